"""Load test of `framing serve` on loopback: latency (p50/p95/p99) and throughput at 1, 8 and
32 concurrent clients, with micro-batching against one-request-at-a-time serving, in one run.

Two servers are started as subprocesses with the same model (`framing serve --max-batch 32`
and `framing serve --max-batch 1`, both with the rate limit off); this process is the client
(httpx, asyncio). Each request is `POST /score` with one paragraph of the shipped collection
(`corpora/collection`), so with a classifier every request is a classifier request. For each
client count the two servers are measured in alternating order over ``--rounds`` rounds (the
machine's speed drifts), each run bounded by ``--requests`` and ``--max-seconds``; the table
shows the median run, and the ratio is the median of the per-round throughput ratios.

A request is lost when it got no answer or an answer for another request id; errors are
non-200 answers. The servers' own counters (GET /health) must account for every request.

    python scripts/bench_serve.py                      # the default frame model
    python scripts/bench_serve.py --model models/my-frames --clients 1,8,32 --rounds 3
    python scripts/bench_serve.py --rules-only         # the rule layer alone

Only loopback addresses are used; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    mode: str
    clients: int
    sent: int
    ok: int
    errors: int
    lost: int
    seconds: float
    latencies: list[float]
    server_docs: int
    mean_batch: float

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return float(np.percentile(self.latencies, q) * 1000) if self.latencies else float("nan")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def paragraphs(n: int, lo: int = 120, hi: int = 700, unit: str = "paragraph") -> list[str]:
    """``n`` paragraphs of 120-700 characters from the shipped collection, in file order (or
    with ``unit="sentence"``, ``n`` of their sentences of 40-300 characters)."""
    out: list[str] = []
    with open(ROOT / "corpora" / "collection" / "collection.jsonl", encoding="utf-8") as fh:
        for line in fh:
            for p in json.loads(line)["text"].split("\n\n"):
                p = p.strip()
                if unit == "sentence":
                    out += [s for s in _SENTENCE_END.split(p) if 40 <= len(s) <= 300]
                elif lo <= len(p) <= hi:
                    out.append(p)
                if len(out) >= n:
                    return out[:n]
    return out


class Server:
    """`framing serve` in a subprocess on a free loopback port."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-serve-{name}-", suffix=".log",
                                               delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "framing", "serve", "--host", "127.0.0.1", "--port", "0",
             "--quiet", "--rate-limit", "0", "--max-queue", "4096", "--timeout", "600", *args],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=ROOT)
        self.url = ""

    def wait(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"on (http://127\.0\.0\.1:\d+)", self.output())
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit(f"the {self.name} server did not start:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        os.unlink(self.log.name)


async def load(url: str, mode: str, clients: int, texts: list[str], requests: int,
               max_seconds: float, offset: int) -> Run:
    """``clients`` concurrent clients send up to ``requests`` requests in ``max_seconds``."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    counts = {"sent": 0, "ok": 0, "errors": 0, "lost": 0}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=600) as c:
        before = (await c.get("/health")).json()["batching"]
        t0 = time.perf_counter()
        stop_at = t0 + max_seconds
        nxt = 0

        async def client() -> None:
            nonlocal nxt
            while nxt < requests and time.perf_counter() < stop_at:
                i = nxt
                nxt += 1
                rid = f"q{offset + i}"
                counts["sent"] += 1
                t = time.perf_counter()
                try:
                    r = await c.post("/score", json={"id": rid,
                                                     "text": texts[(offset + i) % len(texts)]})
                except httpx.HTTPError:
                    counts["lost"] += 1
                    continue
                if r.status_code != 200:
                    counts["errors"] += 1
                elif r.json().get("id") != rid:
                    counts["lost"] += 1
                else:
                    counts["ok"] += 1
                    latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(client() for _ in range(clients)))
        seconds = time.perf_counter() - t0
        after = (await c.get("/health")).json()["batching"]
    docs = after["docs"] - before["docs"]
    batches = after["batches"] - before["batches"]
    return Run(mode, clients, counts["sent"], counts["ok"], counts["errors"], counts["lost"],
               seconds, latencies, docs, docs / batches if batches else 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="frame model directory (default: models/frames-default)")
    ap.add_argument("--rules-only", action="store_true", help="serve the rule layer alone")
    ap.add_argument("--clients", default="1,8,32", help="concurrent clients, comma-separated")
    ap.add_argument("--requests", type=int, default=0,
                    help="requests per run (default: 40 x clients, at most 800)")
    ap.add_argument("--max-seconds", type=float, default=60.0, help="time limit of one run")
    ap.add_argument("--rounds", type=int, default=2, help="runs per server and client count")
    ap.add_argument("--max-batch", type=int, default=32, help="batch size of the batched server")
    ap.add_argument("--max-wait-ms", type=float, default=5.0)
    ap.add_argument("--unit", choices=("paragraph", "sentence"), default="paragraph",
                    help="what one request scores")
    ap.add_argument("--json", type=Path, help="also write the runs here")
    args = ap.parse_args(argv)

    model_args: list[str] = ["--rules-only"] if args.rules_only else []
    if not args.rules_only:
        model = Path(args.model) if args.model else ROOT / "models" / "frames-default"
        if not (model / "framing_model.json").is_file():
            print(f"no model at {model}: build it (make model), pass --model DIR, or use "
                  "--rules-only", file=sys.stderr)
            return 2
        model_args = ["--model", str(model)]
    env = {**os.environ, "FRAMING_DEFAULT_STANCE_MODEL": "none"}  # frames only
    servers = {"batched": Server("batched", [*model_args, "--max-batch", str(args.max_batch),
                                             "--max-wait-ms", str(args.max_wait_ms)], env),
               "unbatched": Server("unbatched", [*model_args, "--max-batch", "1",
                                                 "--max-wait-ms", "0"], env)}
    try:
        for s in servers.values():
            s.wait()
        texts = paragraphs(2000, unit=args.unit)
        words = statistics.mean(len(t.split()) for t in texts)
        what = "rules only" if args.rules_only else f"model {model_args[1]}"
        print(f"framing serve on loopback, {what}, {len(texts)} {args.unit}s of the collection "
              f"(mean {words:.0f} words) as POST /score requests; batched: --max-batch "
              f"{args.max_batch} --max-wait-ms {args.max_wait_ms:g}; unbatched: --max-batch 1; "
              f"{os.cpu_count()} CPUs", flush=True)
        # warm both (first requests pay one-off costs)
        asyncio.run(load(servers["batched"].url, "warm", 4, texts, 16, 60, 10_000))
        asyncio.run(load(servers["unbatched"].url, "warm", 4, texts, 16, 60, 10_000))
        runs: list[Run] = []
        offset = 0
        for clients in (int(c) for c in args.clients.split(",")):
            n = args.requests or min(800, 40 * clients)
            for r in range(args.rounds):
                order = ["batched", "unbatched"] if r % 2 == 0 else ["unbatched", "batched"]
                for mode in order:
                    run = asyncio.run(load(servers[mode].url, mode, clients, texts, n,
                                           args.max_seconds, offset))
                    offset += run.sent
                    runs.append(run)
                    print(f"  {mode:9s} clients {clients:2d} round {r + 1}: {run.ok}/{run.sent}"
                          f" ok, {run.rps:6.1f} req/s, p50 {run.pct(50):7.1f} ms, mean batch "
                          f"{run.mean_batch:.1f}", flush=True)
        report(runs)
        if args.json:
            args.json.write_text(json.dumps([{**{k: v for k, v in r.__dict__.items()
                                                 if k != "latencies"},
                                              "rps": r.rps, "p50_ms": r.pct(50),
                                              "p95_ms": r.pct(95), "p99_ms": r.pct(99)}
                                             for r in runs], indent=1))
        bad = sum(r.errors + r.lost + (r.ok != r.server_docs) for r in runs)
        return 1 if bad else 0
    finally:
        for s in servers.values():
            s.stop()


def report(runs: list[Run]) -> None:
    print("\nmode       clients  requests  ok    errors lost  p50 ms  p95 ms  p99 ms   req/s  "
          "mean batch")
    by: dict[tuple[str, int], list[Run]] = {}
    for r in runs:
        by.setdefault((r.mode, r.clients), []).append(r)
    for (mode, clients), rs in sorted(by.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        med = sorted(rs, key=lambda r: r.rps)[(len(rs) - 1) // 2]
        print(f"{mode:10s} {clients:7d} {sum(r.sent for r in rs):9d} {sum(r.ok for r in rs):5d} "
              f"{sum(r.errors for r in rs):6d} {sum(r.lost for r in rs):4d} {med.pct(50):7.1f} "
              f"{med.pct(95):7.1f} {med.pct(99):7.1f} {med.rps:7.1f} {med.mean_batch:10.1f}")
    print()
    for clients in sorted({r.clients for r in runs}):
        b = [r for r in runs if r.clients == clients and r.mode == "batched"]
        u = [r for r in runs if r.clients == clients and r.mode == "unbatched"]
        ratios = [x.rps / y.rps for x, y in zip(b, u, strict=False) if y.rps]
        if ratios:
            print(f"micro-batching at {clients:2d} clients: {statistics.median(ratios):.2f}x the "
                  f"throughput of one-at-a-time serving (rounds: "
                  f"{', '.join(f'{x:.2f}' for x in ratios)})")
    unaccounted = [r for r in runs if r.ok != r.server_docs]
    print(f"errors {sum(r.errors for r in runs)}, lost {sum(r.lost for r in runs)}, runs whose "
          f"server count differs from the answers: {len(unaccounted)}")


if __name__ == "__main__":
    sys.exit(main())
