"""The chart ``installation stats --plot`` writes: faces per hour, time on screen, controls used."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from installation.errors import UsageError
from installation.stats.store import CONTROL_LABELS, Summary


def plot(summary: Summary, path: Path, title: str = "Monitoring Room: what the room counted") -> Path:
    """Write a PNG chart: faces per hour, exposed and hidden time per camera, controls used.

    The file appears under ``path`` only when complete.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise UsageError("--plot needs matplotlib: .venv/bin/pip install matplotlib") from None
    if not path.parent.is_dir():
        raise UsageError(f"--plot {path}: the folder {path.parent} does not exist")
    ink, muted, grid, back = "#eeeeec", "#8a8e94", "#2c2e32", "#090a0c"
    red, green = "#e82626", "#24cd60"
    palette = ["#00e5ff", "#ffb200", "#b48cff", "#ff7fa0", "#7fd4ff", "#c0e060", "#ffa060", "#a0a0ff"]
    fig = Figure(figsize=(12, 6.75), dpi=100, facecolor=back)
    FigureCanvasAgg(fig)
    grid_spec = fig.add_gridspec(2, 2, hspace=0.55, wspace=0.3, left=0.08, right=0.97, top=0.8, bottom=0.11)
    axes = [
        fig.add_subplot(grid_spec[0, :]),
        fig.add_subplot(grid_spec[1, 0]),
        fig.add_subplot(grid_spec[1, 1]),
    ]
    for ax in axes:
        ax.set_facecolor(back)
        ax.tick_params(colors=muted, labelsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(grid)
        ax.set_axisbelow(True)
    span = ""
    if summary.first is not None and summary.last is not None:
        span = f"{summary.first:%Y-%m-%d %H:%M} to {summary.last + timedelta(minutes=1):%H:%M}   ·   "
    fig.text(0.08, 0.94, title, color=ink, fontsize=18, fontweight="bold")
    fig.text(
        0.08,
        0.895,
        f"{span}{summary.total.faces_seen} faces seen   ·   "
        "counts only: no picture, face or position is ever stored",
        color=muted,
        fontsize=11,
    )
    cameras = sorted(summary.cameras)

    def heading(ax: Any, text: str) -> None:
        ax.set_title(text, color=ink, loc="left", fontsize=13, pad=10)

    def nothing(ax: Any, text: str) -> None:
        ax.text(0.5, 0.5, text, color=muted, ha="center", va="center", fontsize=11, transform=ax.transAxes)
        ax.set_yticks([])

    ax = axes[0]
    heading(ax, "Faces seen per hour")
    ax.grid(axis="y", color=grid, linewidth=0.8)
    hours = sorted(summary.hours)
    if hours and summary.total.faces_seen:
        labels = [f"{h:%H}:00" if h.date() == hours[0].date() else f"{h:%m-%d %H}:00" for h in hours]
        bottom = [0] * len(hours)
        for i, camera in enumerate(cameras):
            values = [summary.hours[h].get(camera, 0) for h in hours]
            ax.bar(
                range(len(hours)),
                values,
                bottom=bottom,
                color=palette[i % len(palette)],
                label=camera,
                width=0.7,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(range(len(hours)), labels)
        ax.set_xlim(-0.6, max(len(hours), 6) - 0.4)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(
            frameon=False,
            labelcolor=ink,
            fontsize=10,
            ncols=min(len(cameras), 9),
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            borderaxespad=0.2,
            handlelength=1.0,
        )
    else:
        nothing(ax, "no face was counted")
        ax.set_xticks([])

    ax = axes[1]
    shown = [summary.cameras[c].hidden_s + summary.cameras[c].exposed_s for c in cameras]
    unit, per = ("min", 60.0) if max(shown, default=0.0) >= 120 else ("s", 1.0)
    heading(ax, f"Faces on screen ({unit})")
    if cameras and any(shown):
        hidden = [summary.cameras[c].hidden_s / per for c in cameras]
        exposed = [summary.cameras[c].exposed_s / per for c in cameras]
        ax.barh(cameras, hidden, color=green, label="hidden", height=0.6)
        ax.barh(cameras, exposed, left=hidden, color=red, label="exposed", height=0.6)
        ax.invert_yaxis()
        ax.grid(axis="x", color=grid, linewidth=0.8)
        ax.legend(
            frameon=False,
            labelcolor=ink,
            fontsize=10,
            ncols=2,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            borderaxespad=0.2,
            handlelength=1.0,
        )
    else:
        nothing(ax, "no face was on screen")
        ax.set_xticks([])

    ax = axes[2]
    heading(ax, "Controls visitors used")
    t = summary.total
    names = [label for label, _ in CONTROL_LABELS]
    values = [getattr(t, column) for _, column in CONTROL_LABELS]
    ax.bar(names, values, color=ink, width=0.6)
    ax.grid(axis="y", color=grid, linewidth=0.8)
    if any(values):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.set_ylim(0, 1)
        nothing(ax, "no control was touched")
    ax.text(
        0.0,
        -0.24,
        f"by touch {t.by_touch}   ·   by key {t.by_key}   ·   by panel {t.by_panel}",
        color=muted,
        fontsize=10,
        transform=ax.transAxes,
    )

    tmp = path.with_name(f".{path.name}.partial")
    try:
        fig.savefig(tmp, format="png", facecolor=back)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
