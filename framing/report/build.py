"""``build_report``: charts (PNG) and one self-contained ``report.html``.

The page has no external resources: CSS is inline and the charts are embedded as base64 PNGs,
so it opens offline and can be mailed as one file. The PNGs are also written next to it for
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
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
from framing.aggregate.load import Source
from framing.errors import Errors, FramingError
from framing.guard import check_outputs
from framing.report import plots
from framing.report.evidence import Quote, collect_evidence
from framing.report.style import FONT_STACK, PALETTE, STANCE_COLOURS, colour_map
from framing.version import __version__


def build_report(labeled: Source, out: str | Path, *, by: Sequence[str] = ("outlet",),
                 freq: str = "year", frames: Sequence[str] | None = None,
                 unit: str = "document", labels_from: str = "auto",
                 names: Mapping[str, str] | str | Path | None = None, title: str | None = None,
                 correct: bool = False, model: str | Path | None = None,
                 error_rates: str | Path | None = None, max_findings: int = 8,
                 max_panels: int = 9, estimator: FrameShareEstimator | None = None,
                 **kwargs: Any) -> Path:
    """Aggregate ``labeled`` (unless a fitted ``estimator`` is given) and write the report.

    ``frames`` limits the overview charts to these frame ids (findings always show);
    ``names`` maps group values to display names (a dict, or a JSON file such as
    ``corpora/collection/outlets.json``). Returns the path of ``report.html``.
    """
    out_d = Path(out)
    if isinstance(labeled, str | Path):
        check_outputs([labeled], {"report": out_d / "report.html"})
    out_d.mkdir(parents=True, exist_ok=True)
    if estimator is None:
        est = aggregate(labeled, out_d / "data", by=by, freq=freq, unit=unit,
                        labels_from=labels_from, correct=correct, model=model,
                        error_rates=error_rates, **kwargs)
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
        self.unit_word = "sentences" if self.data.unit == "sentence" else "documents"
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

    def _img(self, path: Path, alt: str) -> str:
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        return (f'<img class="chart" alt="{html.escape(alt)}" '
                f'src="data:image/png;base64,{b64}">')

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
                         error_rates=self.est.error_rates_, conf=self.est.config_.conf)
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
        est, data, s = self.est, self.data, self.est.summary_
        e = html.escape
        periods = data.periods
        by_txt = " and ".join(_plural(b) for b in self.by) if self.by else "the collection"
        title = self.title or f"How framing shifts across {by_txt}, and over time"
        corr = " · corrected for classifier error" if s.get("correction") else ""
        src = ", ".join(Path(p).name for p in data.sources)
        sub = (f"{data.n_documents:,} documents from {e(src)} · {len(data.groups)} groups · "
               f"{span(periods[0], periods[-1]) if periods else 'no dates'} by {data.freq} · "
               f"share of {self.unit_word} · {e(self._label_source())} labels{corr}")
        n_sig_diff = int(est.group_diffs_["significant"].sum()) if len(est.group_diffs_) else 0
        kpis = [(f"{data.n_documents:,}", "documents"), (str(len(data.groups)), "groups"),
                (str(len(periods)), f"{data.freq}s"), (str(len(est.findings_)), "shifts found"),
                (str(n_sig_diff), "group differences")]
        parts = [f"""<header class="hero"><div class="wrap">
<div class="eyebrow">Framing report</div><h1>{e(title)}</h1><p>{sub}</p></div></header>
<div class="wrap"><div class="kpis">""" + "".join(
            f'<div class="kpi"><b>{v}</b><span>{e(k)}</span></div>' for v, k in kpis)
            + "</div>"]
        parts.append(self._findings_html(findings, f_charts, evidence))
        if overview is not None:
            parts.append(f"""<section><h2>Frame shares over time</h2>
<p class="lede">The frames that moved, and the most common ones, for the largest groups.</p>
{self._img(overview, "Frame shares over time")}</section>""")
        if heat is not None or diff_chart is not None:
            parts.append(self._compare_html(heat, diff_rows, diff_sig, diff_chart))
        if stance_chart is not None:
            parts.append(f"""<section><h2>Stance over time</h2>
<p class="lede">Document-level stance toward each target, where the labels include one.</p>
{self._img(stance_chart, "Stance over time")}</section>""")
        parts.append(self._vocab_html())
        parts.append(self._tests_html())
        parts.append(self._methods_html())
        parts.append(f"""<footer>Generated by framing {e(__version__)} on
{dt.date.today().isoformat()} · tables in <code>data/</code> next to this file</footer>
</div>""")
        return _HTML.format(title=e(title), css=_CSS.replace("FONTS", FONT_STACK),
                            body="\n".join(parts))

    def _label_source(self) -> str:
        src = self.data.label_sources
        if len(src) == 1:
            return next(iter(src))
        return " + ".join(f"{k} ({v})" for k, v in sorted(src.items()))

    def _findings_html(self, findings: list[dict[str, Any]], charts: list[Path],
                       evidence: list[dict[str, list[Quote]]]) -> str:
        e = html.escape
        st = self.est.config_
        if not findings:
            return (f'<section><h2>Key findings</h2><p class="lede">No shift met the bar: '
                    f"no test reached q &lt; {st.alpha} with a change of at least "
                    f"{100 * st.min_effect:.0f} percentage points. The charts below show the "
                    f"shares with their intervals.</p></section>")
        n_all = len(self.est.findings_)
        more = (f" Showing the first {len(findings)} of {n_all}; all are in "
                f"<code>data/findings.csv</code>." if n_all > len(findings) else "")
        items = []
        vocab = self.est.vocab_
        for i, (f, chart, ev) in enumerate(zip(findings, charts, evidence, strict=True), start=1):
            up = f["share_after"] > f["share_before"]
            badge = ('<span class="badge up">▲ rising</span>' if up
                     else '<span class="badge down">▼ falling</span>')
            g = self.gkey[tuple(str(f[k]) for k in self.by)]
            pb, pa = str(f["period_before"]), str(f["period_after"])
            if f.get("pattern") == "trend":
                idx = {p: j for j, p in enumerate(self.data.periods)}
                mid = (idx[pb] + idx[pa]) // 2
                lb = span(pb, self.data.periods[mid])
                la = span(self.data.periods[min(mid + 1, idx[pa])], pa)
            else:
                lb, la = span(str(f["before_start"]), pb), span(pa, str(f["after_end"]))
            ci = (f"change {100 * f['diff']:+.0f} points (95% CI {100 * f['diff_low']:+.0f} to "
                  f"{100 * f['diff_high']:+.0f}), log odds ratio {f['log_or']:+.2f}, "
                  f"{fmt_q(float(f['q_value']))}, {e(str(f['test']))} test")
            quotes = ""
            if ev["before"] or ev["after"]:
                cols = []
                for side, lab in (("before", lb), ("after", la)):
                    qs = "".join(
                        f'<blockquote>“{e(q.text)}”<span class="src">{e(q.title or q.doc_id)}'
                        f' · {e(q.date or "")}</span></blockquote>' for q in ev[side])
                    if not qs:
                        qs = '<p class="none">No example in these periods.</p>'
                    cols.append(f'<div><h4>{"Before" if side == "before" else "After"} '
                                f"({e(lab)})</h4>{qs}</div>")
                what = ("sentences with this stance" if f["measure"] == "stance"
                        else f"sentences using {e(frame_name(str(f['frame'])))} framing")
                quotes = (f'<div class="ev-head">Example {what}</div>'
                          f'<div class="evidence">{"".join(cols)}</div>')
            terms = ""
            if f["measure"] == "frame" and len(vocab):
                mask = (vocab["scope"] == "group_frame") & (vocab["frame"] == f["frame"])
                for c in self.by:
                    mask &= vocab[c].astype(str) == str(f[c])
                tw = vocab[mask].head(10)["term"].tolist()
                if tw:
                    terms = (f'<div class="terms"><span class="t-lab">Words that set these '
                             f"sentences apart from other {e(self.by[0])}s':</span>"
                             + "".join(f"<span>{e(t)}</span>" for t in tw) + "</div>")
            items.append(f"""<article class="finding">
<div class="f-meta"><span class="num">{i}</span>{badge}<span class="chip">{e(self.glabel[g])}</span>
</div><p class="claim">{e(f["description"])}</p><p class="stats">{ci}</p>
{self._img(chart, headline(f))}{quotes}{terms}</article>""")
        return (f"""<section><h2>Key findings</h2><p class="lede">Shifts with q &lt;
{st.alpha} (Benjamini-Hochberg) and a change of at least {100 * st.min_effect:.0f} percentage
points, strongest evidence first.{more}</p>""" + "".join(items) + "</section>")

    def _compare_html(self, heat: Path | None, rows: pd.DataFrame, sig: bool,
                      chart: Path | None) -> str:
        e = html.escape
        out = ['<section><h2>How groups compare</h2><p class="lede">All periods pooled. '
               "Pairs differ in the first grouping field and agree on the others.</p>"]
        if heat is not None:
            out.append(self._img(heat, "Group by frame heatmap"))
        if chart is not None:
            note = ("" if sig else '<p class="none">No difference is significant; the largest '
                    "ones are shown for orientation.</p>")
            out.append(f'<div class="spacer"></div>{note}{self._img(chart, "Group differences")}')
            trs = []
            a = self.by[0]
            for r in rows.to_dict("records"):
                ctx = "".join(f" · {e(str(r[f'{c}_a']).replace('_', ' '))}" for c in self.by[1:])
                trs.append(
                    f"<tr><td>{e(pretty_value(r[f'{a}_a'], self.names))}</td>"
                    f"<td>{e(pretty_value(r[f'{a}_b'], self.names))}</td>"
                    f"<td>{e(frame_title(str(r['frame'])))}{ctx}</td>"
                    f'<td class="num">{100 * r["share_a"]:.0f}%</td>'
                    f'<td class="num">{100 * r["share_b"]:.0f}%</td>'
                    f'<td class="num">{100 * r["diff"]:+.0f} ({100 * r["diff_low"]:+.0f} to '
                    f'{100 * r["diff_high"]:+.0f})</td>'
                    f'<td class="num">{e(fmt_q(float(r["q_value"])))}</td></tr>')
            out.append("<table><thead><tr><th>First</th><th>Second</th><th>Frame</th>"
                       '<th class="num">First</th><th class="num">Second</th>'
                       '<th class="num">Difference, pts (95% CI)</th><th class="num">q</th>'
                       "</tr></thead><tbody>" + "".join(trs) + "</tbody></table>")
        out.append("</section>")
        return "".join(out)

    def _vocab_html(self) -> str:
        e = html.escape
        v = self.est.vocab_
        if not len(v):
            return ""
        v = v[v["scope"] == "group"]
        if not len(v):
            return ""
        v = v.copy()
        v["_g"] = self._g(v)
        sizes = np.bincount(self.data.group, minlength=len(self.data.groups))
        groups = sorted(set(v["_g"]), key=lambda g: -sizes[g])[:12]
        rows = []
        for g in groups:
            tw = v[v["_g"] == g].head(10)["term"].tolist()
            rows.append(f"<tr><td><b>{e(self.glabel[g])}</b></td><td class='terms'>"
                        + "".join(f"<span>{e(t)}</span>" for t in tw) + "</td></tr>")
        return (f'<section><h2>Distinctive vocabulary</h2><p class="lede">Words and phrases '
                f"each group uses more than the others (weighted log-odds with an informative "
                f"Dirichlet prior, z &ge; 1.96). Per-frame lists are in "
                f"<code>data/vocab.csv</code>.</p><table><tbody>{''.join(rows)}</tbody></table>"
                "</section>")

    def _tests_html(self) -> str:
        e = html.escape
        sh = self.est.shifts_
        if not len(sh):
            return ""
        sig = sh[sh["significant"]].sort_values("q_value").head(40)
        if not len(sig):
            return ""
        trs = []
        for r in sig.to_dict("records"):
            g = self.glabel[self.gkey[tuple(str(r[k]) for k in self.by)]]
            item = (stance_phrase(str(r["label"]), str(r["target"]))
                    if r["measure"] == "stance" else frame_title(str(r["frame"])))
            trs.append(
                f"<tr><td>{e(g)}</td><td>{e(item)}</td><td>{e(str(r['test']))}</td>"
                f"<td>{e(span(str(r['before_start']), str(r['period_before'])))} → "
                f"{e(span(str(r['period_after']), str(r['after_end'])))}</td>"
                f'<td class="num">{100 * r["share_before"]:.0f}% → {100 * r["share_after"]:.0f}%'
                f'</td><td class="num">{100 * r["diff"]:+.0f} ({100 * r["diff_low"]:+.0f} to '
                f'{100 * r["diff_high"]:+.0f})</td><td class="num">{e(fmt_q(r["q_value"]))}'
                "</td></tr>")
        return ('<section><h2>Significant shift tests</h2><p class="lede">Every test that passed '
                "(one shift can pass several tests). All tests, with raw p-values, are in "
                "<code>data/shifts.csv</code>.</p><table><thead><tr><th>Group</th><th>Item</th>"
                "<th>Test</th><th>Periods</th><th class='num'>Share</th>"
                "<th class='num'>Change, pts (95% CI)</th><th class='num'>q</th></tr></thead>"
                f"<tbody>{''.join(trs)}</tbody></table></section>")

    def _methods_html(self) -> str:
        e = html.escape
        s = self.est.summary_
        lis = [f"<li><b>{e(k.capitalize())}:</b> {e(str(v))}</li>"
               for k, v in s["methods"].items()]
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
        else:
            notes.append("Shares are as labelled; classifier errors are not corrected (use "
                         "--correct with dev error rates).")
        notes.append("A shift is a statistical regularity in the labels, not a cause; check the "
                     "example sentences before quoting a finding.")
        return ("<section class='methods'><h2>Methods and caveats</h2><ul>" + "".join(lis)
                + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul></section>")


def _plural(word: str) -> str:
    """``outlet`` -> ``outlets``, ``speaker`` -> ``speakers`` (display only)."""
    w = word.replace("_", " ")
    if w.endswith("s"):
        return w
    return w[:-1] + "ies" if w.endswith("y") and w[-2:-1] not in "aeiou" else w + "s"


_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body>{body}</body></html>
"""

_CSS = """
:root{--ink:#1f2933;--muted:#66717e;--line:#e4e7eb;--accent:#1d4e89;--up:#1d7a5a;
--down:#b8412f;--bg:#f3f5f8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 FONTS;
-webkit-font-smoothing:antialiased}
.wrap{max-width:1160px;margin:0 auto;padding:0 32px}
.hero{background:linear-gradient(120deg,#0f2d52,#1d4e89);color:#fff;padding:38px 0 58px}
.hero .eyebrow{text-transform:uppercase;letter-spacing:.12em;font-size:12px;color:#9fc0e6;
font-weight:700;margin-bottom:8px}
.hero h1{font-size:31px;line-height:1.2;margin:0 0 10px;letter-spacing:-.01em;max-width:900px}
.hero p{margin:0;color:#d3e0ef;font-size:14.5px}
.kpis{display:grid;grid-template-columns:repeat(5,1fr);gap:14px;margin:-34px 0 26px}
.kpi{background:#fff;border-radius:12px;padding:16px 20px;box-shadow:0 1px 2px rgba(16,24,40,.06),
0 2px 8px rgba(16,24,40,.07)}
.kpi b{display:block;font-size:27px;line-height:1.15;color:var(--accent)}
.kpi span{color:var(--muted);font-size:12.5px;text-transform:uppercase;letter-spacing:.05em}
section{background:#fff;border-radius:14px;padding:28px 34px;margin:0 0 24px;
box-shadow:0 1px 2px rgba(16,24,40,.05),0 2px 8px rgba(16,24,40,.06)}
h2{font-size:22px;margin:0 0 4px;letter-spacing:-.01em}
h4{margin:0 0 8px;font-size:12.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.lede{color:var(--muted);margin:0 0 20px;max-width:860px}
.finding{border-top:1px solid var(--line);padding:24px 0 26px}
.finding:first-of-type{border-top:none;padding-top:6px}
.f-meta{display:flex;align-items:center;gap:10px;margin-bottom:8px}
.num{font-variant-numeric:tabular-nums}
.f-meta .num{display:inline-flex;width:26px;height:26px;border-radius:50%;background:var(--accent);
color:#fff;font-weight:700;font-size:13px;align-items:center;justify-content:center}
.badge{display:inline-block;padding:3px 10px;border-radius:999px;font-size:12px;font-weight:700}
.badge.up{background:#e2f3ea;color:var(--up)}.badge.down{background:#f9e5e1;color:var(--down)}
.chip{background:#eef2f7;color:#33475b;border-radius:6px;padding:3px 9px;font-size:12.5px;
font-weight:600}
.claim{font-size:19px;font-weight:600;line-height:1.42;margin:4px 0 6px;max-width:980px}
.stats{color:var(--muted);font-size:13px;margin:0 0 14px}
img.chart{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:10px}
.finding img.chart{max-width:940px}
.ev-head{margin:18px 0 10px;font-weight:700;font-size:14px}
.evidence{display:grid;grid-template-columns:1fr 1fr;gap:22px}
blockquote{margin:0 0 10px;padding:10px 14px;border-left:3px solid #b9c7d8;background:#f8fafc;
font-size:14px;border-radius:0 8px 8px 0}
blockquote .src{display:block;color:var(--muted);font-size:12px;margin-top:5px}
.none{color:var(--muted);font-size:13.5px;font-style:italic}
.terms{margin-top:12px}
.terms span{display:inline-block;background:#eef3f9;color:#1d4e89;border-radius:6px;
padding:2px 8px;margin:0 6px 6px 0;font-size:13px}
.terms span.t-lab{background:none;color:var(--muted);padding-left:0}
.spacer{height:22px}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin-top:16px}
th{text-align:left;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);
padding:8px 10px;font-size:12.5px;text-transform:uppercase;letter-spacing:.04em}
td{border-bottom:1px solid var(--line);padding:8px 10px;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
.methods li{margin-bottom:6px;color:#3e4c59}
code{background:#eef2f7;border-radius:4px;padding:1px 5px;font-size:12.5px}
footer{color:var(--muted);font-size:12.5px;text-align:center;margin:8px 0 40px}
@media (max-width:800px){.kpis{grid-template-columns:repeat(2,1fr)}
.evidence{grid-template-columns:1fr}}
@media print{body{background:#fff}section{box-shadow:none;border:1px solid var(--line);
break-inside:avoid}.hero{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""
