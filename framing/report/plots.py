"""Charts of the report (PNG): finding charts, shares over time, heatmap, stance, differences.

Every function takes tidy tables from :mod:`framing.aggregate`, writes one PNG and returns its
path. Shares are plotted on a fixed 0-100% axis so charts can be compared side by side.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from framing.report.style import (
    ACCENT,
    DOWN,
    GRID,
    INK,
    MPL_STYLE,
    MUTED,
    STANCE_COLOURS,
    UP,
)

_PCT = FuncFormatter(lambda v, _: f"{100 * v:.0f}%")


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    return path


def _header(fig: Figure, title: str, subtitle: str | None, top: float = 0.97) -> None:
    """Bold title and a muted subtitle (wrapped to the figure width) at the top left."""
    fig.text(0.012, top, title, ha="left", va="top", fontsize=14, fontweight="bold", color=INK)
    if subtitle:
        width = int(fig.get_figwidth() * 13.5)
        fig.text(0.012, top - 0.36 / fig.get_figheight(), "\n".join(textwrap.wrap(subtitle, width)),
                 ha="left", va="top", fontsize=10, color=MUTED, linespacing=1.4)


def _period_axis(ax: Axes, periods: Sequence[str], lo: int, hi: int, max_ticks: int = 10
                 ) -> None:
    ax.set_xlim(lo - 0.4, hi + 0.4)
    ticks = list(range(lo, hi + 1))
    step = max(1, math.ceil(len(ticks) / max_ticks))
    ax.set_xticks(ticks[::step])
    ax.set_xticklabels([periods[i] for i in ticks[::step]])
    ax.yaxis.set_major_formatter(_PCT)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.tick_params(length=0)


def finding_chart(path: Path, series: pd.DataFrame, finding: Mapping[str, Any],
                  periods: Sequence[str], colour: str, title: str, subtitle: str) -> Path:
    """One finding: the group's share per period with its interval band, and the shift marked
    (pooled levels before and after a change point, or the fitted trend line)."""
    pos = {p: i for i, p in enumerate(periods)}
    s = series.sort_values("period")
    x = np.array([pos[p] for p in s["period"]])
    y = s["share"].to_numpy(float)
    with mpl.rc_context(MPL_STYLE):
        fig = Figure(figsize=(8.6, 4.4))
        ax = fig.add_axes((0.07, 0.1, 0.9, 0.62))
        ax.fill_between(x, s["ci_low"], s["ci_high"], color=colour, alpha=0.14, lw=0,
                        label="95% interval")
        ax.plot(x, y, color=colour, marker="o", ms=5.5, zorder=3)
        pb, pa = pos[str(finding["period_before"])], pos[str(finding["period_after"])]
        b0, a1 = pos[str(finding["before_start"])], pos[str(finding["after_end"])]
        trend = finding.get("pattern") == "trend"
        sb, sa = float(finding["share_before"]), float(finding["share_after"])
        level_col = UP if sa > sb else DOWN
        if trend:
            ax.plot([pb, pa], [sb, sa], ls=(0, (4, 3)), color=level_col, lw=1.8, zorder=2)
            ax.annotate(f"{100 * sb:.0f}%", (pb, sb), xytext=(-8, 0), textcoords="offset points",
                        ha="right", va="center", color=level_col, fontweight="bold")
            ax.annotate(f"{100 * sa:.0f}%", (pa, sa), xytext=(8, 0), textcoords="offset points",
                        ha="left", va="center", color=level_col, fontweight="bold")
        else:
            mid = (pb + pa) / 2
            ax.axvline(mid, color=MUTED, lw=1, ls=(0, (2, 3)), zorder=1)
            ax.hlines([sb, sa], [b0 - 0.25, pa - 0.25], [pb + 0.25, a1 + 0.25],
                      colors=[MUTED, level_col], lw=2.2, ls=(0, (4, 2)), zorder=2, alpha=0.9)
            ax.annotate(f"{100 * sb:.0f}%", ((b0 + pb) / 2, sb), xytext=(0, 7),
                        textcoords="offset points", ha="center", color=MUTED, fontweight="bold")
            ax.annotate(f"{100 * sa:.0f}%", ((pa + a1) / 2, sa), xytext=(0, 7),
                        textcoords="offset points", ha="center", color=level_col,
                        fontweight="bold")
        _period_axis(ax, periods, int(x.min()), int(x.max()))
        _header(fig, title, subtitle)
        return _save(fig, path)


def shares_over_time(path: Path, shares: pd.DataFrame, panels: Sequence[tuple[Any, str]],
                     frames: Sequence[str], colours: Mapping[str, str],
                     frame_titles: Mapping[str, str], periods: Sequence[str], title: str,
                     subtitle: str, emphasis: Mapping[Any, set[str]] | None = None) -> Path:
    """Small multiples: one panel per group (``(group key, label)``), one line per frame.

    Frames in ``emphasis[group]`` (the ones with a finding) are drawn strong with their
    interval band; the others thin and light, so each panel shows its story first.
    """
    emphasis = emphasis or {}
    n = max(len(panels), 1)
    ncols = 1 if n == 1 else (2 if n in (2, 4) else 3)
    nrows = math.ceil(n / ncols)
    pos = {p: i for i, p in enumerate(periods)}
    with mpl.rc_context(MPL_STYLE):
        labels = [short_label(frame_titles[f], 30) for f in frames]
        leg_rows = 1 if sum(len(x) + 6 for x in labels) < 150 else 2
        fig = Figure(figsize=(12, 1.75 + 0.3 * leg_rows + 2.55 * nrows))
        head = (1.55 + 0.3 * leg_rows) / fig.get_figheight()
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True,
                            gridspec_kw={"hspace": 0.5, "wspace": 0.08, "top": 1 - head - 0.02,
                                         "bottom": 0.35 / fig.get_figheight() + 0.03,
                                         "left": 0.055, "right": 0.985})
        for ax, (key, label) in zip(axes.flat, panels, strict=False):
            lo, hi = len(periods), 0
            sub = shares[shares["_g"] == key]
            strong = emphasis.get(key, set())
            for fr in sorted(frames, key=lambda f: f in strong):
                d = sub[sub["frame"] == fr].sort_values("period")
                if d.empty:
                    continue
                x = np.array([pos[p] for p in d["period"]])
                lo, hi = min(lo, int(x.min())), max(hi, int(x.max()))
                if fr in strong:
                    ax.fill_between(x, d["ci_low"], d["ci_high"], color=colours[fr],
                                    alpha=0.13, lw=0)
                    ax.plot(x, d["share"], color=colours[fr], lw=2.4, marker="o", ms=3.2,
                            zorder=3)
                elif not strong:
                    ax.plot(x, d["share"], color=colours[fr], lw=1.7, marker="o", ms=2.4,
                            zorder=3)
                else:
                    ax.plot(x, d["share"], color=colours[fr], lw=1.2, alpha=0.4, zorder=2)
            ax.set_title(label + ("  ●" if strong else ""), fontsize=10.5, pad=5)
            _period_axis(ax, periods, lo if lo <= hi else 0, max(hi, lo),
                         max_ticks=10 if ncols == 1 else (7 if ncols == 2 else 5))
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        handles = [mpl.lines.Line2D([], [], color=colours[f], lw=2.4) for f in frames]
        fig.legend(handles, labels, loc="upper left",
                   bbox_to_anchor=(0.005, 1 - 1.1 / fig.get_figheight()),
                   ncols=len(frames) if leg_rows == 1 else math.ceil(len(frames) / 2),
                   handlelength=1.6, columnspacing=1.4, fontsize=9.5)
        _header(fig, title, subtitle, top=1 - 0.18 / fig.get_figheight())
        return _save(fig, path)


def short_label(name: str, limit: int = 22) -> str:
    """A compact column label: ``Legality``, ``Health & safety``, ``Policy prescription``."""
    s = name.split(",")[0].replace(" and ", " & ")
    if len(s) > limit and " & " in s:
        s = s.split(" & ")[0]
    return s if len(s) <= limit else s[:limit - 1] + "…"


def heatmap(path: Path, matrix: pd.DataFrame, title: str, subtitle: str) -> Path:
    """Group x frame share matrix with the values written in the cells."""
    rows, cols = list(matrix.index), [short_label(str(c)) for c in matrix.columns]
    vals = matrix.to_numpy(float)
    cmap = LinearSegmentedColormap.from_list("framing", ["#f5f7fa", "#9dbbdc", ACCENT, "#0f2d52"])
    cell_w, cell_h = 0.62, 0.34
    label_w = 0.3 + 0.072 * max(len(str(r)) for r in rows)
    top_h = 1.05 + 0.068 * max(len(c) for c in cols) * 0.64
    width = label_w + cell_w * len(cols) + 0.3
    height = top_h + cell_h * len(rows) + 0.25
    with mpl.rc_context({**MPL_STYLE, "axes.grid": False}):
        fig = Figure(figsize=(max(width, 7.5), height))
        fw = fig.get_figwidth()
        ax = fig.add_axes((label_w / fw, 0.25 / height, cell_w * len(cols) / fw,
                           cell_h * len(rows) / height))
        vmax = max(float(np.nanmax(vals)) if vals.size else 1.0, 0.05)
        ax.imshow(vals, cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels(cols, fontsize=9, color=INK, rotation=40, ha="left",
                           rotation_mode="anchor")
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows, fontsize=9.5, color=INK)
        ax.tick_params(length=0, pad=4)
        for sp in ax.spines.values():
            sp.set_visible(False)
        for i in range(len(rows)):
            for j in range(len(cols)):
                v = vals[i, j]
                if np.isfinite(v) and v >= 0.005:
                    ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=8.4,
                            color="white" if v > 0.55 * vmax else INK)
        ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
        _header(fig, title, subtitle, top=1 - 0.12 / height)
        return _save(fig, path)


def stance_over_time(path: Path, stance: pd.DataFrame, panels: Sequence[tuple[Any, str, str]],
                     periods: Sequence[str], title: str, subtitle: str) -> Path:
    """Favor and against shares per period, one panel per (group, target)."""
    n = max(len(panels), 1)
    ncols = 1 if n == 1 else (2 if n in (2, 4) else 3)
    nrows = math.ceil(n / ncols)
    pos = {p: i for i, p in enumerate(periods)}
    with mpl.rc_context(MPL_STYLE):
        fig = Figure(figsize=(12, 1.9 + 2.8 * nrows))
        head = 1.75 / fig.get_figheight()
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True,
                            gridspec_kw={"hspace": 0.62, "wspace": 0.08, "top": 1 - head - 0.02,
                                         "bottom": 0.35 / fig.get_figheight() + 0.03,
                                         "left": 0.055, "right": 0.985})
        for ax, (key, target, label) in zip(axes.flat, panels, strict=False):
            sub = stance[(stance["_g"] == key) & (stance["target"] == target)]
            lo, hi = len(periods), 0
            for lab in ("favor", "against"):
                d = sub[sub["label"] == lab].sort_values("period")
                if d.empty:
                    continue
                x = np.array([pos[p] for p in d["period"]])
                lo, hi = min(lo, int(x.min())), max(hi, int(x.max()))
                ax.fill_between(x, d["ci_low"], d["ci_high"], color=STANCE_COLOURS[lab],
                                alpha=0.12, lw=0)
                ax.plot(x, d["share"], color=STANCE_COLOURS[lab], marker="o", ms=3)
            group_txt, _, tail = label.partition(" — ")
            ax.set_title(group_txt, fontsize=10.5, pad=18)
            ax.text(0, 1.02, textwrap.shorten(tail, 60), transform=ax.transAxes, fontsize=9.5,
                    color=MUTED, va="bottom")
            _period_axis(ax, periods, lo if lo <= hi else 0, max(hi, lo),
                         max_ticks=10 if ncols == 1 else (7 if ncols == 2 else 5))
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        handles = [mpl.lines.Line2D([], [], color=STANCE_COLOURS[k], lw=2.4)
                   for k in ("favor", "against")]
        fig.legend(handles, ["in favor", "against"], loc="upper left",
                   bbox_to_anchor=(0.005, 1 - 1.1 / fig.get_figheight()), ncols=2)
        _header(fig, title, subtitle, top=1 - 0.18 / fig.get_figheight())
        return _save(fig, path)


def difference_chart(path: Path, rows: pd.DataFrame, title: str, subtitle: str) -> Path:
    """Dot-and-whisker chart of group differences (``label`` with an optional second line after
    a newline, ``diff``, ``diff_low``, ``diff_high``), in the given order."""
    m = len(rows)
    height = 1.45 + 0.55 * m
    with mpl.rc_context({**MPL_STYLE, "axes.grid.axis": "x"}):
        fig = Figure(figsize=(10, height))
        longest = max(len(x) for lab in rows["label"] for x in str(lab).split("\n"))
        left = min(0.56, 0.03 + 0.0083 * longest)
        ax = fig.add_axes((left, 0.5 / height, 0.97 - left, 1 - 1.5 / height))
        y = np.arange(m)[::-1]
        d = rows["diff"].to_numpy(float)
        cols = [UP if v > 0 else DOWN for v in d]
        ax.hlines(y, rows["diff_low"], rows["diff_high"], colors=cols, lw=2.4, alpha=0.55)
        ax.scatter(d, y, color=cols, s=44, zorder=3)
        ax.axvline(0, color=MUTED, lw=1)
        ax.set_yticks(y)
        ax.set_yticklabels([""] * m)
        for yi, lab in zip(y, rows["label"], strict=True):
            first, _, second = str(lab).partition("\n")
            ax.annotate(first, (0, yi), xycoords=("axes fraction", "data"), xytext=(-10, 3),
                        textcoords="offset points", ha="right", va="bottom", fontsize=9.8,
                        color=INK)
            if second:
                ax.annotate(second, (0, yi), xycoords=("axes fraction", "data"),
                            xytext=(-10, -1), textcoords="offset points", ha="right",
                            va="top", fontsize=9, color=MUTED)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.0f} pts"))
        lim = max(0.1, float(np.nanmax(np.abs(rows[["diff_low", "diff_high"]].to_numpy()))))
        ax.set_xlim(-lim * 1.08, lim * 1.08)
        ax.set_ylim(-0.7, m - 0.3)
        ax.tick_params(length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", color=GRID)
        _header(fig, title, subtitle, top=1 - 0.12 / height)
        return _save(fig, path)
