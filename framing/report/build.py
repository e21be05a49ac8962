"""``build_report``: charts (PNG) and one self-contained ``report.html``.

The page has no external resources: CSS is inline and the charts are embedded as base64 PNGs,
so it opens offline and can be mailed as one file. Its markup is a Jinja2 template shipped with
the package (``framing/report/templates/report.html.j2``, autoescaped); this module computes
the charts and the values the template shows. The PNGs are also written next to it for
slides, and the aggregate tables go to ``data/``.

Example:
    >>> from framing.report import build_report
    >>> build_report("corpora/collection/collection.jsonl", "report",         # doctest: +SKIP
    ...              by=["outlet", "issue"], labels_from="gold")
    PosixPath('report/report.html')
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from framing.aggregate.describe import (
    describe_finding,
    fmt_q,
    frame_name,
    frame_title,
    headline,
    load_names,
    pretty_value,
    span,
    stance_phrase,
)
from framing.aggregate.estimator import FrameShareEstimator, aggregate
from framing.aggregate.load import UNIT_WORDS, Source
from framing.aggregate.settings import AggregateSettings
from framing.errors import Errors, FramingError
from framing.guard import check_outputs
from framing.report import plots
from framing.report.evidence import Quote, collect_evidence
from framing.report.style import FONT_STACK, PALETTE, STANCE_COLOURS, colour_map
from framing.version import __version__


def build_report(labeled: Source, out: str | Path, settings: AggregateSettings | None = None,
                 *, frames: Sequence[str] | None = None,
                 names: Mapping[str, str] | str | Path | None = None, title: str | None = None,
                 correct: bool = False, model: str | Path | None = None,
                 error_rates: str | Path | None = None, validation: Source | None = None,
                 max_findings: int = 8,
                 max_panels: int = 9, estimator: FrameShareEstimator | None = None,
                 **overrides: Any) -> Path:
    """Aggregate ``labeled`` (unless a fitted ``estimator`` is given) and write the report.

    ``settings`` and keyword ``overrides`` of its fields (``by=["outlet"]``, ``freq="year"``)
    are the aggregation's (:class:`~framing.aggregate.settings.AggregateSettings`);
    ``frames`` limits the overview charts to these frame ids (findings always show);
    ``names`` maps group values to display names (a dict, or a JSON file such as
    ``corpora/collection/outlets.json``). Returns the path of ``report.html``.
    """
    out_d = Path(out)
    if isinstance(labeled, str | Path):
        check_outputs([labeled], {"report": out_d / "report.html"})
    cfg = AggregateSettings.resolve(settings, **overrides)
    out_d.mkdir(parents=True, exist_ok=True)
    if estimator is None:
        est = aggregate(labeled, out_d / "data", cfg, correct=correct, model=model,
                        error_rates=error_rates, validation=validation)
    else:
        est = estimator
        est.save(out_d / "data")
    name_map = load_names(names) if isinstance(names, (str, Path)) else dict(names or {})
    return _Report(est, out_d, frames, name_map, title, max_findings, max_panels).write()


class _Report:
    def __init__(self, est: FrameShareEstimator, out: Path, frames: Sequence[str] | None,
                 names: dict[str, str], title: str | None, max_findings: int,
                 max_panels: int) -> None:
        self.est, self.out, self.names = est, out, names
        self.data = est.data_
        self.by = list(self.data.by)
        self.title = title
        self.max_findings, self.max_panels = max_findings, max_panels
        self.unit_word = UNIT_WORDS.get(self.data.unit, "documents")
        if frames:
            unknown = [f for f in frames if f not in self.data.frames]
            if unknown:
                raise FramingError(Errors.E508.format(frames=", ".join(unknown),
                                                      known=", ".join(self.data.frames)))
        self.frames_opt = list(frames or [])
        self.colours = colour_map(self.data.frames)
        g = self.data.groups
        self.gkey = {tuple(str(v) for v in row): i
                     for i, row in enumerate(g.itertuples(index=False))}
        self.glabel = {i: " · ".join(pretty_value(v, names) if j == 0
                                     else str(v).replace("_", " ")
                                     for j, v in enumerate(row))
                       for i, row in enumerate(g.itertuples(index=False))}
        self.charts: dict[str, Path] = {}

    # ---- helpers ------------------------------------------------------------------------
    def _g(self, df: pd.DataFrame, suffix: str = "") -> list[int]:
        cols = [f"{c}{suffix}" for c in self.by]
        return [self.gkey.get(tuple(str(v) for v in r), -1)
                for r in df[cols].itertuples(index=False)]

    def _img(self, path: Path, alt: str) -> dict[str, str]:
        """A chart for the template: its alt text and the PNG as a data URI."""
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        return {"alt": alt, "src": f"data:image/png;base64,{b64}"}

    # ---- charts -------------------------------------------------------------------------
    def _finding_charts(self, findings: list[dict[str, Any]]) -> list[Path]:
        shares = self.est.shares_.copy()
        shares["_g"] = self._g(shares)
        stance = self.est.stance_shares_.copy()
        if len(stance):
            stance["_g"] = self._g(stance)
        paths = []
        for i, f in enumerate(findings):
            g = self.gkey[tuple(str(f[k]) for k in self.by)]
            if f["measure"] == "stance":
                series = stance[(stance["_g"] == g) & (stance["target"] == f["target"])
                                & (stance["label"] == f["label"])]
                colour = STANCE_COLOURS.get(str(f["label"]), PALETTE[0])
                what = f"share of documents {stance_phrase(str(f['label']), str(f['target']))}"
            else:
                series = shares[(shares["_g"] == g) & (shares["frame"] == f["frame"])]
                colour = self.colours[str(f["frame"])]
                what = f"share of {self.unit_word} using {frame_name(str(f['frame']))} framing"
            corr = ", corrected for classifier error" if f.get("corrected") else ""
            sub = (f"{self.glabel[g]} · {what}{corr} · {fmt_q(float(f['q_value']))} · "
                   f"dots: each {self.data.freq}; band: 95% interval")
            paths.append(plots.finding_chart(self.out / f"finding_{i + 1:02d}.png", series, f,
                                             self.data.periods, colour, headline(f), sub))
        return paths

    def _overview_frames(self, findings: list[dict[str, Any]]) -> list[str]:
        if self.frames_opt:
            return self.frames_opt[:8]
        chosen: list[str] = []
        for f in findings:
            if f["measure"] == "frame" and f["frame"] not in chosen:
                chosen.append(str(f["frame"]))
        ov = self.est.shares_overall_
        top = (ov.groupby("frame")["share"].mean().sort_values(ascending=False).index.tolist()
               if len(ov) else [])
        for fr in top:
            if len(chosen) >= 5:
                break
            if fr not in chosen and fr != "other":
                chosen.append(fr)
        return chosen[:6]

    def _panels(self, findings: list[dict[str, Any]]) -> list[int]:
        order: list[int] = []
        for f in findings:
            g = self.gkey[tuple(str(f[k]) for k in self.by)]
            if g not in order:
                order.append(g)
        sizes = np.bincount(self.data.group, minlength=len(self.data.groups))
        for g in np.argsort(-sizes, kind="stable"):
            if int(g) not in order:
                order.append(int(g))
        return order[:self.max_panels]

    def _pooled_shares(self) -> pd.DataFrame:
        """Shares per period with all groups pooled (the ``-1`` panel of the overview)."""
        from dataclasses import replace

        from framing.aggregate.shares import frame_shares

        d = self.data
        pooled = replace(d, by=("_all",), groups=pd.DataFrame({"_all": ["all"]}),
                         group=np.zeros_like(d.group))
        t = frame_shares(pooled, n_bootstrap=self.est.config_.n_bootstrap,
                         error_rates=self.est.error_rates_, conf=self.est.config_.conf,
                         correction=self.est.config_.correction)
        return t.assign(_g=-1)

    def _overview(self, findings: list[dict[str, Any]]) -> Path | None:
        frames = self._overview_frames(findings)
        if not frames or not len(self.est.shares_):
            return None
        shares = self.est.shares_.copy()
        shares["_g"] = self._g(shares)
        panels = [(g, self.glabel[g]) for g in self._panels(findings)]
        if len(self.data.groups) > 1 and len(self.data.periods) > 1:
            shares = pd.concat([self._pooled_shares(), shares], ignore_index=True)
            panels = [(-1, f"All {' / '.join(_plural(b) for b in self.by)} (pooled)"),
                      *panels[:self.max_panels - 1]]
        emphasis: dict[int, set[str]] = {}
        for f in findings:
            if f["measure"] == "frame":
                g = self.gkey[tuple(str(f[k]) for k in self.by)]
                emphasis.setdefault(g, set()).add(str(f["frame"]))
        by_txt = " and ".join(self.by) if self.by else "collection"
        return plots.shares_over_time(
            self.out / "shares_over_time.png", shares, panels, frames, self.colours,
            {f: frame_title(f) for f in frames}, self.data.periods,
            f"Frame shares over time, by {by_txt}",
            f"Share of {self.unit_word} using each frame per {self.data.freq}"
            + ("; the first panel pools all groups" if panels and panels[0][0] == -1 else "")
            + (". In panels marked ● the frame with a finding is drawn strong, with its 95% "
               "interval band." if emphasis else "."),
            emphasis)

    def _heatmap(self) -> Path | None:
        ov = self.est.shares_overall_
        if not len(ov):
            return None
        ov = ov.copy()
        ov["_g"] = self._g(ov)
        mat = ov.pivot_table(index="_g", columns="frame", values="share")
        keep = [f for f in self.data.frames if f in mat.columns and mat[f].max() >= 0.005]
        sizes = np.bincount(self.data.group, minlength=len(self.data.groups))
        rows = [g for g in mat.index if sizes[g] > 0]
        if len(rows) > 40:
            rows = sorted(rows, key=lambda g: -sizes[g])[:40]
        rows = sorted(rows)
        mat = mat.loc[rows, keep]
        mat.index = [self.glabel[g] for g in mat.index]
        mat.columns = [frame_title(f) for f in mat.columns]
        return plots.heatmap(self.out / "group_frame_heatmap.png", mat,
                             f"How each {' / '.join(self.by) or 'group'} frames its coverage",
                             f"Share of {self.unit_word} using each frame, all periods pooled "
                             f"(numbers in %)")

    def _diff_rows(self) -> tuple[pd.DataFrame, bool]:
        gd = self.est.group_diffs_
        if not len(gd):
            return gd, False
        fr = gd[gd["measure"] == "frame"]
        sig = fr[fr["significant"]]
        picked = sig if len(sig) else fr
        picked = picked.reindex(picked["diff"].abs().sort_values(ascending=False).index)
        return picked.head(10), bool(len(sig))

    def _diff_chart(self, rows: pd.DataFrame) -> Path | None:
        if not len(rows):
            return None
        a, b = self.by[0], self.by[0]
        labels = []
        for r in rows.to_dict("records"):
            ctx = "".join(f" · {str(r[f'{c}_a']).replace('_', ' ')}" for c in self.by[1:])
            labels.append(f"{pretty_value(r[f'{a}_a'], self.names)} vs "
                          f"{pretty_value(r[f'{b}_b'], self.names)}\n"
                          f"{frame_title(str(r['frame']))}{ctx}")
        df = rows.assign(label=labels)
        return plots.difference_chart(
            self.out / "group_differences.png", df,
            f"Where {self.by[0]}s differ most",
            "Difference in share (first minus second), all periods pooled, with 95% intervals")

    def _stance_chart(self, findings: list[dict[str, Any]]) -> Path | None:
        st = self.est.stance_shares_
        if not len(st):
            return None
        st = st.copy()
        st["_g"] = self._g(st)
        panels: list[tuple[int, str, str]] = []
        for f in findings:
            if f["measure"] == "stance":
                g = self.gkey[tuple(str(f[k]) for k in self.by)]
                key = (g, str(f["target"]))
                if key not in [(p[0], p[1]) for p in panels]:
                    panels.append((g, str(f["target"]), f"{self.glabel[g]} — {f['target']}"))
        sizes = st[st["label"] == "favor"].groupby(["_g", "target"])["n"].sum()
        for (g, tgt), _ in sizes.sort_values(ascending=False).items():
            if len(panels) >= 6:
                break
            if (g, tgt) not in [(p[0], p[1]) for p in panels]:
                panels.append((int(g), str(tgt), f"{self.glabel[int(g)]} — {tgt}"))
        return plots.stance_over_time(
            self.out / "stance_over_time.png", st, panels, self.data.periods,
            "Stance over time",
            f"Share of documents in favor of / against each target per {self.data.freq}, "
            f"among documents with a stance result for it; bands are 95% intervals")

    # ---- page ---------------------------------------------------------------------------
    def write(self) -> Path:
        est, data = self.est, self.data
        findings = est.findings_.head(self.max_findings).to_dict("records")
        for f in findings:
            f["description"] = describe_finding(f, self.by, self.names, data.unit)
        f_charts = self._finding_charts(findings)
        evidence = collect_evidence(est.source_, findings, self.by, data.freq, data.periods,
                                    est.config_.labels_from) if data.has_text else \
            [{"before": [], "after": []} for _ in findings]
        overview = self._overview(findings)
        heat = self._heatmap()
        diff_rows, diff_sig = self._diff_rows()
        diff_chart = self._diff_chart(diff_rows)
        stance_chart = self._stance_chart(findings)
        page = self._page(findings, f_charts, evidence, overview, heat, diff_rows, diff_sig,
                          diff_chart, stance_chart)
        path = self.out / "report.html"
        path.write_text(page, encoding="utf-8")
        return path

    def _page(self, findings: list[dict[str, Any]], f_charts: list[Path],
              evidence: list[dict[str, list[Quote]]], overview: Path | None,
              heat: Path | None, diff_rows: pd.DataFrame, diff_sig: bool,
              diff_chart: Path | None, stance_chart: Path | None) -> str:
        """Render the page from ``templates/report.html.j2`` (markup lives in the template; this
        gathers the values it shows)."""
        est, data, s = self.est, self.data, self.est.summary_
        periods = data.periods
        by_txt = " and ".join(_plural(b) for b in self.by) if self.by else "the collection"
        title = self.title or f"How framing shifts across {by_txt}, and over time"
        corr = " · corrected for classifier error" if s.get("correction") else ""
        src = ", ".join(Path(p).name for p in data.sources)
        sub = (f"{data.n_documents:,} documents from {src} · {len(data.groups)} groups · "
               f"{span(periods[0], periods[-1]) if periods else 'no dates'} by {data.freq} · "
               f"share of {self.unit_word} · {self._label_source()} labels{corr}")
        n_sig_diff = int(est.group_diffs_["significant"].sum()) if len(est.group_diffs_) else 0
        kpis = [(f"{data.n_documents:,}", "documents"), (str(len(data.groups)), "groups"),
                (str(len(periods)), f"{data.freq}s"), (str(len(est.findings_)), "shifts found"),
                (str(n_sig_diff), "group differences")]
        st = est.config_
        methods, notes = self._methods()
        context = {
            "title": title, "subtitle": sub, "kpis": kpis,
            "font_stack": Markup(FONT_STACK),  # our constant, and CSS does not decode entities
            "findings": {"alpha": st.alpha, "min_effect_pts": f"{100 * st.min_effect:.0f}",
                         "total": len(est.findings_),
                         "shown": self._findings(findings, f_charts, evidence)},
            "overview": self._img(overview, "Frame shares over time") if overview else None,
            "compare": self._compare(heat, diff_rows, diff_sig, diff_chart)
            if heat is not None or diff_chart is not None else None,
            "stance": self._img(stance_chart, "Stance over time") if stance_chart else None,
            "vocab": self._vocab(), "tests": self._tests(), "counts": self._counts(),
            "methods": methods, "notes": notes, "freq": data.freq,
            "version": __version__, "date": dt.date.today().isoformat(),
        }
        return _template().render(**context)

    def _label_source(self) -> str:
        src = self.data.label_sources
        if len(src) == 1:
            return next(iter(src))
        return " + ".join(f"{k} ({v})" for k, v in sorted(src.items()))

    def _findings(self, findings: list[dict[str, Any]], charts: list[Path],
                  evidence: list[dict[str, list[Quote]]]) -> list[dict[str, Any]]:
        items = []
        vocab = self.est.vocab_
        for f, chart, ev in zip(findings, charts, evidence, strict=True):
            g = self.gkey[tuple(str(f[k]) for k in self.by)]
            pb, pa = str(f["period_before"]), str(f["period_after"])
            if f.get("pattern") == "trend":
                idx = {p: j for j, p in enumerate(self.data.periods)}
                mid = (idx[pb] + idx[pa]) // 2
                lb = span(pb, self.data.periods[mid])
                la = span(self.data.periods[min(mid + 1, idx[pa])], pa)
            else:
                lb, la = span(str(f["before_start"]), pb), span(pa, str(f["after_end"]))
            quotes = None
            if ev["before"] or ev["after"]:
                what = ("sentences with this stance" if f["measure"] == "stance"
                        else f"sentences using {frame_name(str(f['frame']))} framing")
                quotes = {"what": what, "columns": [
                    {"heading": "Before" if side == "before" else "After", "span": lab,
                     "quotes": [{"text": q.text, "source": q.title or q.doc_id,
                                 "date": q.date or ""} for q in ev[side]]}
                    for side, lab in (("before", lb), ("after", la))]}
            terms: list[str] = []
            if f["measure"] == "frame" and len(vocab):
                mask = (vocab["scope"] == "group_frame") & (vocab["frame"] == f["frame"])
                for c in self.by:
                    mask &= vocab[c].astype(str) == str(f[c])
                terms = vocab[mask].head(10)["term"].tolist()
            items.append({
                "up": f["share_after"] > f["share_before"], "group": self.glabel[g],
                "description": f["description"], "diff": f["diff"], "diff_low": f["diff_low"],
                "diff_high": f["diff_high"], "log_or": f["log_or"],
                "q_text": fmt_q(float(f["q_value"])), "test": str(f["test"]),
                "chart": self._img(chart, headline(f)), "evidence": quotes, "terms": terms,
                "by0": self.by[0] if self.by else "group"})
        return items

    def _compare(self, heat: Path | None, rows: pd.DataFrame, sig: bool,
                 chart: Path | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "heatmap": self._img(heat, "Group by frame heatmap") if heat is not None else None,
            "chart": self._img(chart, "Group differences") if chart is not None else None,
            "significant": sig, "rows": []}
        if chart is None:
            return out
        a = self.by[0]
        for r in rows.to_dict("records"):
            ctx = "".join(f" · {str(r[f'{c}_a']).replace('_', ' ')}" for c in self.by[1:])
            out["rows"].append({
                "first": pretty_value(r[f"{a}_a"], self.names),
                "second": pretty_value(r[f"{a}_b"], self.names),
                "frame": f"{frame_title(str(r['frame']))}{ctx}", "share_a": r["share_a"],
                "share_b": r["share_b"], "diff": r["diff"], "diff_low": r["diff_low"],
                "diff_high": r["diff_high"], "q_text": fmt_q(float(r["q_value"]))})
        return out

    def _counts(self) -> dict[str, Any] | None:
        """Documents per period: all groups, and the largest groups one by one (how much
        data each share and test rests on)."""
        d = self.data
        if not d.periods:
            return None
        dated = d.period >= 0
        n_p = len(d.periods)
        total = np.bincount(d.period[dated], minlength=n_p)
        sizes = np.bincount(d.group, minlength=len(d.groups))
        shown = sorted(np.argsort(-sizes, kind="stable")[:15].tolist())
        rows = []
        for g in shown:
            m = dated & (d.group == g)
            rows.append({"group": self.glabel[g],
                         "n": np.bincount(d.period[m], minlength=n_p).tolist()})
        return {"periods": list(d.periods), "total": total.tolist(), "rows": rows,
                "more": len(d.groups) - len(shown), "undated": int((~dated).sum()),
                "unit": self.unit_word}

    def _vocab(self) -> list[dict[str, Any]]:
        v = self.est.vocab_
        if not len(v):
            return []
        v = v[v["scope"] == "group"]
        if not len(v):
            return []
        v = v.copy()
        v["_g"] = self._g(v)
        sizes = np.bincount(self.data.group, minlength=len(self.data.groups))
        groups = sorted(set(v["_g"]), key=lambda g: -sizes[g])[:12]
        return [{"group": self.glabel[g], "terms": v[v["_g"] == g].head(10)["term"].tolist()}
                for g in groups]

    def _tests(self) -> list[dict[str, Any]]:
        sh = self.est.shifts_
        if not len(sh):
            return []
        rows = []
        for r in sh[sh["significant"]].sort_values("q_value").head(40).to_dict("records"):
            rows.append({
                "group": self.glabel[self.gkey[tuple(str(r[k]) for k in self.by)]],
                "item": (stance_phrase(str(r["label"]), str(r["target"]))
                         if r["measure"] == "stance" else frame_title(str(r["frame"]))),
                "test": str(r["test"]),
                "before": span(str(r["before_start"]), str(r["period_before"])),
                "after": span(str(r["period_after"]), str(r["after_end"])),
                "share_before": r["share_before"], "share_after": r["share_after"],
                "diff": r["diff"], "diff_low": r["diff_low"], "diff_high": r["diff_high"],
                "q_text": fmt_q(r["q_value"])})
        return rows

    def _methods(self) -> tuple[list[tuple[str, str]], list[str]]:
        s = self.est.summary_
        methods = [(k.capitalize(), str(v)) for k, v in s["methods"].items()]
        notes = [f"{s['tests']:,} shift tests, {s['tests_in_bh_family']:,} of them able to "
                 f"reach significance at their counts (the Benjamini-Hochberg family)."]
        if s["undated"]:
            notes.append(f"{s['undated']:,} documents without a usable date are left out of "
                         "the time series (they count in pooled comparisons).")
        c = s.get("correction")
        if c:
            notes.append(f"Correction used error rates from {c['source']}; corrected labels: "
                         f"{', '.join(c['corrected']) or 'none'}; not corrected: "
                         + (", ".join(f"{k} ({v})" for k, v in c["not_corrected"].items())
                            or "none") + ".")
            if c.get("unreliable"):
                notes.append("Corrections resting on little labelled data (treat with care): "
                             + ", ".join(f"{k} ({v})" for k, v in c["unreliable"].items())
                             + ".")
        else:
            notes.append("Shares are as labelled; classifier errors are not corrected (use "
                         "--correct with a labelled validation sample or error rates).")
        notes.append("A shift is a statistical regularity in the labels, not a cause; check the "
                     "example sentences before quoting a finding.")
        return methods, notes


@lru_cache(maxsize=1)
def _template() -> Template:
    """The page template, from the package data (``framing/report/templates``); autoescaped,
    and undefined values are errors rather than empty strings."""
    env = Environment(loader=PackageLoader("framing.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template("report.html.j2")


def _plural(word: str) -> str:
    """``outlet`` -> ``outlets``, ``speaker`` -> ``speakers`` (display only)."""
    w = word.replace("_", " ")
    if w.endswith("s"):
        return w
    return w[:-1] + "ies" if w.endswith("y") and w[-2:-1] not in "aeiou" else w + "s"
