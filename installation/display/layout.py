"""Where things go on the screen: regions, the monitor wall and letterboxing.

Pure geometry on ``pygame.Rect``; lengths are designed at 1920x1080 and
scale with the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from pygame import Rect

from installation.errors import ConfigError


class Layout(str, Enum):
    """How the monitor wall shows the cameras."""

    GRID = "grid"
    SINGLE = "single"
    FOCUS = "focus"

    @classmethod
    def parse(cls, value: str) -> Layout:
        """The layout named ``value``.

        >>> Layout.parse("focus")
        <Layout.FOCUS: 'focus'>
        """
        try:
            return cls(str(value).lower())
        except ValueError:
            names = ", ".join(v.value for v in cls)
            raise ConfigError(f"display.layout: unknown layout {value!r} (choose one of {names})") from None

    def next(self) -> Layout:
        order = list(Layout)
        return order[(order.index(self) + 1) % len(order)]


#: Picture aspect the monitors are built for; other feeds are letterboxed inside.
MONITOR_ASPECT = 16 / 9
MAX_MONITORS = 9


@dataclass(frozen=True)
class Regions:
    """The parts of the screen."""

    header: Rect
    wall: Rect
    panel: Rect
    controls: Rect
    captions: Rect
    unit: float  # pixels per design pixel (screen height / 1080)


def screen_regions(width: int, height: int) -> Regions:
    """Split a ``width`` x ``height`` screen into header, wall, panel and controls.

    >>> r = screen_regions(1920, 1080)
    >>> r.controls.height >= 96, r.wall.right < r.panel.left
    (True, True)
    """
    unit = min(height / 1080, width / 1600)
    m = max(4, round(16 * unit))
    header_h = round(48 * unit)
    controls_h = max(72, round(116 * unit))
    panel_w = max(round(260 * unit), min(round(400 * unit), width // 4))
    header = Rect(m, 0, width - 2 * m, header_h)
    controls = Rect(m, height - controls_h, width - 2 * m, controls_h - m // 2)
    top = header.bottom
    bottom = controls.top - m
    panel = Rect(width - m - panel_w, top, panel_w, bottom - top)
    band_h = round(112 * unit)
    # The captions have their own strip under the wall: they never cover a face.
    captions = Rect(m, bottom - band_h, panel.left - 2 * m, band_h)
    wall = Rect(m, top, panel.left - 2 * m, captions.top - m // 2 - top)
    return Regions(header, wall, panel, controls, captions, unit)


def label_height(monitor_width: int, unit: float) -> int:
    """Height of a monitor's label bar: smaller on thumbnails."""
    return max(14, min(round(34 * unit), round(monitor_width * 0.045)))


def _grid(area: Rect, n: int, gap: int, unit: float, max_cols: int | None = None) -> list[Rect]:
    best: tuple[float, int, int, int] | None = None
    for cols in range(1, min(n, max_cols or n) + 1):
        rows = math.ceil(n / cols)
        cell_w = (area.width - (cols - 1) * gap) / cols
        cell_h = (area.height - (rows - 1) * gap) / rows
        w = cell_w
        for _ in range(3):  # the label height depends on the width, settle it
            w = min(cell_w, (cell_h - label_height(int(w), unit)) * MONITOR_ASPECT)
        if w > 0 and (best is None or w > best[0]):
            best = (w, cols, rows, label_height(int(w), unit))
    if best is None:
        return [Rect(area.left, area.top, 0, 0) for _ in range(n)]
    w, cols, rows, lab = best
    mw, mh = int(w), int(w / MONITOR_ASPECT) + lab
    block_w = cols * mw + (cols - 1) * gap
    block_h = rows * mh + (rows - 1) * gap
    x0 = area.left + (area.width - block_w) // 2
    y0 = area.top + (area.height - block_h) // 2
    rects = []
    for i in range(n):
        r, c = divmod(i, cols)
        in_row = min(cols, n - r * cols)
        shift = (cols - in_row) * (mw + gap) // 2  # centre a short last row
        rects.append(Rect(x0 + shift + c * (mw + gap), y0 + r * (mh + gap), mw, mh))
    return rects


def monitor_rects(
    area: Rect, cameras: int, layout: Layout, selected: int, unit: float = 1.0
) -> list[tuple[int, Rect]]:
    """``(camera index, monitor rect)`` for each monitor the wall shows.

    ``single`` shows the selected camera; ``grid`` all of them (up to nine);
    ``focus`` the selected one large with the others as thumbnails at the right.

    >>> from pygame import Rect
    >>> [i for i, _ in monitor_rects(Rect(0, 0, 1400, 800), 4, Layout.FOCUS, 2)]
    [2, 0, 1, 3]
    """
    n = min(cameras, MAX_MONITORS)
    gap = max(3, round(10 * unit))
    selected = min(max(0, selected), max(0, n - 1))
    if n <= 0:
        return []
    if layout is Layout.SINGLE or n == 1:
        return [(selected, _grid(area, 1, gap, unit)[0])]
    if layout is Layout.GRID:
        return list(enumerate(_grid(area, n, gap, unit)))
    others = [i for i in range(n) if i != selected]
    cols = 1 if len(others) <= 4 else 2
    strip_w = int(area.width * (0.22 if cols == 1 else 0.34))
    main_area = Rect(area.left, area.top, area.width - strip_w - gap, area.height)
    big = _grid(main_area, 1, gap, unit)[0]
    big.left = main_area.left + max(0, (main_area.width - big.width) // 2)
    strip = Rect(big.right + gap, area.top, area.right - big.right - gap, area.height)
    thumbs = _grid(strip, len(others), gap, unit, max_cols=cols)
    return [(selected, big)] + list(zip(others, thumbs, strict=True))


def fit(src_w: int, src_h: int, box: Rect) -> Rect:
    """The largest rect of ``src_w:src_h`` aspect centred in ``box`` (letterbox).

    >>> from pygame import Rect
    >>> fit(640, 480, Rect(0, 0, 1600, 900))
    <rect(200, 0, 1200, 900)>
    """
    if src_w <= 0 or src_h <= 0 or box.width <= 0 or box.height <= 0:
        return Rect(box.left, box.top, 0, 0)
    s = min(box.width / src_w, box.height / src_h)
    w, h = max(1, round(src_w * s)), max(1, round(src_h * s))
    return Rect(box.left + (box.width - w) // 2, box.top + (box.height - h) // 2, w, h)
