"""``framing serve``: load the models once and serve the HTTP API and the web page."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from framing.cli._common import err_console, handle_errors


@handle_errors
def serve_cli(
    host: Annotated[str, typer.Option(
        help="Address to listen on. The default is this machine only; 0.0.0.0 opens the "
             "server to your network (use --token then).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one).")] = 8000,
    rules_only: Annotated[bool, typer.Option("--rules-only",
                                             help="Use the rule layer alone.")] = False,
    model: Annotated[str | None, typer.Option("--model", "-m",
                                              help="Trained model directory.")] = None,
    codebook: Annotated[str | None, typer.Option("--codebook", "-c",
                                                 help="Codebook file.")] = None,
    spacy_model: Annotated[str | None, typer.Option(
        "--spacy-model", help="A trained spaCy pipeline to use instead of blank English.")] = None,
    target: Annotated[list[str] | None, typer.Option(
        "--target", help="A stance target (free text) scored for every text unless a "
                         "request names its own; repeatable.")] = None,
    stance_model: Annotated[str | None, typer.Option(
        "--stance-model", help="Stance model directory (default: the built default).")] = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="FRAMING_SERVE_TOKEN", show_envvar=True,
        help="Require 'Authorization: Bearer TOKEN' (the web page asks for it once). The "
             "environment variable keeps it out of the process list.")] = None,
    reports: Annotated[Path | None, typer.Option(
        "--reports", help="Serve the HTML reports in this folder (written by `framing "
                          "report --out`) read-only at /reports/.")] = None,
    max_batch: Annotated[int, typer.Option(
        "--max-batch", help="Most texts scored in one model call (1: no batching).")] = 32,
    max_wait_ms: Annotated[float, typer.Option(
        "--max-wait-ms", help="How long the model waits for more texts to fill a batch.")] = 5.0,
    max_queue: Annotated[int, typer.Option(
        "--max-queue", help="Most texts waiting for the model; more get 503.")] = 1024,
    max_body_mb: Annotated[float, typer.Option(
        "--max-body-mb", help="Largest request body in megabytes; larger get 413.")] = 16.0,
    max_chars: Annotated[int, typer.Option(
        "--max-chars", help="Longest text in characters; longer ones are rejected.")
    ] = 1_000_000,
    rate_limit: Annotated[int, typer.Option(
        "--rate-limit", help="Requests per minute per client address (0: no limit); more "
                             "get 429.")] = 6000,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds one text may take from arrival to result; longer get "
                          "504.")] = 120.0,
    shutdown_timeout: Annotated[float, typer.Option(
        "--shutdown-timeout", help="Seconds a stopping server waits for requests in "
                                   "flight.")] = 60.0,
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", help="A Host name the server answers to (default: loopback names "
                               "when bound to loopback, any otherwise); repeatable.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="No log line per request.")] = False,
) -> None:
    """Serve frames, stance and evidence over HTTP (JSON API and a web page), with the models
    loaded once and concurrent requests batched into one model call. Stop with Ctrl-C: requests
    in flight are finished first."""
    from framing.serve import ServeSettings
    from framing.serve.server import bind

    settings = ServeSettings(
        host=host, port=port, token=token, max_batch=max_batch, max_wait_ms=max_wait_ms,
        max_queue=max_queue, max_body_mb=max_body_mb, max_chars=max_chars,
        rate_limit=rate_limit, timeout=timeout, shutdown_timeout=shutdown_timeout,
        reports=reports, allowed_hosts=allowed_host or None)
    bind(settings).close()  # a port in use says so now, not after the models have loaded
    if not settings.loopback and settings.token is None:
        err_console.print(f"[yellow]warning:[/] listening on {host} without --token: anyone "
                          "who can reach this machine can use the server.", highlight=False)
    import framing
    from framing.serve.server import run

    t0 = time.perf_counter()
    analyzer = framing.load(model, rules_only=rules_only, codebook=codebook,
                            spacy_model=spacy_model, targets=target or (),
                            stance_model=stance_model)
    if target and analyzer.stance_model is None:
        err_console.print("[yellow]note:[/] no stance model (it needs `make model` or "
                          "--stance-model, and is off with --rules-only); --target is ignored "
                          "and requests with targets get [E808].", highlight=False)
    analyzer("Warm-up.")  # the first text pays one-off costs; no user request should
    loaded = time.perf_counter() - t0
    mode = "rules + classifier" if analyzer.classifier is not None else "rules only"
    stance = ", stance" if analyzer.stance_model is not None else ""

    def ready(url: str) -> None:
        err_console.print(f"framing serve: {mode}{stance} (loaded in {loaded:.1f} s) on "
                          f"{url}  (page: {url}/, API schema: {url}/openapi.json; Ctrl-C "
                          "stops)", highlight=False, markup=False, soft_wrap=True)

    run(analyzer, settings, log_level="warning" if quiet else "info", access_log=not quiet,
        ready=ready)
    err_console.print("framing serve: stopped (requests in flight were answered)",
                      highlight=False, markup=False)
