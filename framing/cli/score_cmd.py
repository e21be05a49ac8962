"""``framing score``: analyse one text and print frames, stance and evidence."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

import framing
from framing.cli._common import (
    CodebookOpt,
    DeviceOpt,
    Format,
    FormatOpt,
    ModelOpt,
    StanceModelOpt,
    TargetOpt,
    console,
    err_console,
    handle_errors,
    use_device,
)
from framing.io.single import read_one as io_read_one
from framing.types import Article, DocResult

_COLORS = ["cyan", "magenta", "yellow", "green", "blue", "red", "bright_cyan", "bright_magenta"]


def read_one(path: str | None, text: str | None) -> Article:
    """The text to score: ``--text``, ``-`` (stdin), an .html file (main text), or a text file
    (see :func:`framing.io.single.read_one`)."""
    return io_read_one(path, text)


def render(res: DocResult, codebook: framing.Codebook) -> None:
    """Readable output: frame table, stance, and sentences with highlighted evidence."""
    mode = "rules + classifier" if res.model.get("classifier") else "rules only"
    console.print(Panel.fit(
        f"[bold]{escape(res.id)}[/]  ·  {len(res.sentences)} sentences  ·  {mode}\n"
        f"primary frame: [bold green]{res.primary_frame or '—'}[/]   "
        f"labels: {', '.join(res.labels) or '—'}", title="framing score"))
    t = Table(title="Frames", title_justify="left")
    t.add_column("frame", style="bold")
    t.add_column("score", justify="right")
    t.add_column("", min_width=20)
    t.add_column("label")
    t.add_column("sentences", justify="right")
    shown = sorted(((f, v) for f, v in res.frames.items() if v >= 0.05), key=lambda x: -x[1])
    for f, v in shown:
        n = sum(1 for s in res.sentences if f in s.labels)
        bar = "█" * round(v * 20)
        t.add_row(f, f"{v:.2f}", f"[green]{bar}[/]" if f in res.labels else f"[dim]{bar}[/]",
                  "✓" if f in res.labels else "", str(n))
    if not shown:
        t.add_row("(no frame evidence)", "", "", "", "")
    console.print(t)
    if res.stance:
        st = Table(title="Stance", title_justify="left")
        st.add_column("target")
        st.add_column("stance", style="bold")
        st.add_column("score", justify="right")
        st.add_column("evidence")
        for sr in res.stance:
            st.add_row(sr.target, sr.label, f"{sr.score:.2f}",
                       " | ".join(e.text[:80] for e in sr.evidence[:2]))
        console.print(st)
    colour = {f: _COLORS[i % len(_COLORS)] for i, f in enumerate(codebook.frame_ids)}
    console.print("[bold]Evidence[/] (labelled sentences; highlighted spans are rule matches)")
    for i, s in enumerate(res.sentences):
        if not s.labels:
            continue
        console.print(f"[dim]s{i + 1}[/] [bold]{', '.join(s.labels)}[/]")
        console.print("   " + _highlight(s, colour), highlight=False)
        srcs = sorted({e.source for e in s.evidence})
        if srcs:
            console.print(f"   [dim]{escape(', '.join(srcs))}[/]", highlight=False)


def _highlight(s: framing.SentenceResult, colour: dict[str, str]) -> str:
    out, pos = [], s.start
    for e in sorted((e for e in s.evidence if e.source.startswith("rule:")),
                    key=lambda e: e.start):
        if e.start < pos:
            continue
        out.append(escape(s.text[pos - s.start:e.start - s.start]))
        c = colour.get(e.frame, "white")
        out.append(f"[bold {c} underline]{escape(s.text[e.start - s.start:e.end - s.start])}[/]")
        pos = e.end
    out.append(escape(s.text[pos - s.start:]))
    return "".join(out)


@handle_errors
def score_cli(
    path: Annotated[str | None, typer.Argument(
        help="A .txt or .html file, or '-' for standard input.")] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="Score this text.")] = None,
    fmt: FormatOpt = Format.pretty,
    rules_only: Annotated[bool, typer.Option("--rules-only",
                                             help="Use the rule layer alone.")] = False,
    model: ModelOpt = None,
    codebook: CodebookOpt = None,
    spacy_model: Annotated[str | None, typer.Option(
        "--spacy-model", help="A trained spaCy pipeline to use instead of blank English.")] = None,
    target: TargetOpt = None,
    stance_model: StanceModelOpt = None,
    device: DeviceOpt = "auto",
) -> None:
    """Score one text: frames, stance and the sentences and phrases that show them."""
    use_device(device)
    art = read_one(path, text)
    from framing._torchless import needs_torch, torch_blocked

    kwargs = {"model": model, "rules_only": rules_only, "codebook": codebook,
              "spacy_model": spacy_model, "targets": target or (), "stance_model": stance_model}
    # the rule layer never calls torch: keep thinc from importing it (most of `import spacy`)
    with torch_blocked(not needs_torch(kwargs)):
        analyzer = framing.load(**kwargs)  # type: ignore[arg-type]
    if target and analyzer.stance_model is None:
        err_console.print("[yellow]note:[/] no stance model (it needs `make model` or "
                          "--stance-model, and is off with --rules-only); stance is empty.")
    res = analyzer(art)
    if fmt is Format.json:
        typer.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
    else:
        render(res, analyzer.codebook)
