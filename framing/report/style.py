"""One visual language for every chart and the HTML page: colours, type, matplotlib settings.

Charts use matplotlib's object API (``Figure``, no ``pyplot`` state), so building a report never
touches the caller's figures or backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

INK = "#1f2933"
MUTED = "#66717e"
GRID = "#e4e7eb"
PAPER = "#ffffff"
ACCENT = "#1d4e89"
UP = "#1d7a5a"
DOWN = "#b8412f"

#: Categorical palette (colour-blind-aware, distinct in grey scale order) for frames and groups.
PALETTE = ("#1d4e89", "#e07a1f", "#2e9e6b", "#c2384b", "#7a5ba6", "#8c6d46", "#d16ba5",
           "#4b8fb8", "#11877f", "#5f6b7a", "#c9a227", "#9e4f86")
STANCE_COLOURS = {"favor": "#2e9e6b", "against": "#c2384b", "none": "#9aa5b1"}

FONT_STACK = ("Inter, 'Segoe UI', 'Helvetica Neue', Helvetica, Arial, 'DejaVu Sans', "
              "sans-serif")

#: matplotlib rc settings (typed loosely: matplotlib's stubs want literal keys).
MPL_STYLE: Any = {
    "font.family": "DejaVu Sans",
    "font.size": 10.5,
    "axes.edgecolor": "#c3c9d0",
    "axes.labelcolor": INK,
    "axes.titlecolor": INK,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.9,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "figure.facecolor": PAPER,
    "savefig.facecolor": PAPER,
    "savefig.dpi": 150,
    "lines.linewidth": 2.2,
    "lines.solid_capstyle": "round",
}


def colour_map(items: Sequence[str]) -> dict[str, str]:
    """Stable colours for items in the given order (cycling the palette)."""
    return {it: PALETTE[i % len(PALETTE)] for i, it in enumerate(items)}
