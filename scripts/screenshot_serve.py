"""Screenshot of the `framing serve` web page for the README: headless Chromium (Debian's
/usr/bin/chromium over the DevTools protocol) pastes the example op-ed, submits it with the
keyboard, and captures the result page.

    python scripts/screenshot_serve.py                       # default models when built
    python scripts/screenshot_serve.py --rules-only --out /tmp/page.png

Loopback only; the server runs in this process and stops with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "serve"))  # the browser driver of the browser test

TARGETS = ["states deciding their own drug policy", "federal enforcement of drug laws"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "serve-page.png")
    ap.add_argument("--model", help="frame model directory (default: the built default)")
    ap.add_argument("--rules-only", action="store_true")
    ap.add_argument("--width", type=int, default=1200)
    args = ap.parse_args(argv)

    from serve_browser import Chromium, available

    why = available()
    if why:
        print(why, file=sys.stderr)
        return 2
    import framing
    from framing.serve import ServeSettings, background

    analyzer = framing.load(args.model, rules_only=args.rules_only)
    text = (ROOT / "tests" / "data" / "oped_states_drugs.txt").read_text(encoding="utf-8")
    with background(analyzer, ServeSettings(port=0)) as url, \
            Chromium(width=args.width, height=900) as b:
        b.navigate(url + "/")
        b.tab_to("text")
        b.insert_text(text)
        if analyzer.stance_model is not None:
            b.tab_to("targets")
            b.insert_text("\n".join(TARGETS))
        b.tab_to("score-submit")
        b.events.clear()
        b.press("Enter")
        b.wait_event("Page.loadEventFired")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        b.screenshot(args.out, width=args.width)
    mode = "rules + classifier" if analyzer.classifier is not None else "rules only"
    print(f"wrote {args.out} ({mode}{', stance' if analyzer.stance_model else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
