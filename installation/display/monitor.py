"""One monitor on the wall: bezel, picture, label bar, and the cards shown instead.

Only ``Processed.image`` (the frame with the effect applied) is ever drawn.
A feed that is down shows a "signal lost" card with moving noise; a feed
that has not yet produced a processed frame shows a "starting" card; a feed
whose newest processed frame is too old to trust (the camera is not being
analysed often enough, or its processing stalled) shows an "analysing" card
instead of the old picture, until a fresh one arrives; a feed whose
processing fails shows a "processing failed" card with the reason while its
worker restarts it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pygame
from pygame import Rect

from installation.control.model import FeedView
from installation.display.fonts import Fonts
from installation.display.layout import fit, label_height
from installation.display.text import faces_text, text
from installation.display.widgets import (
    AMBER,
    BACKGROUND,
    BEZEL,
    BEZEL_DARK,
    CYAN,
    DIM,
    INK,
    LABEL,
    MUTED,
    RED,
    TEXT,
    Colour,
    blit_centred,
    disc,
)
from installation.geometry import Box

if TYPE_CHECKING:
    from installation.frames import Processed
    from installation.steer import Pose


def to_surface(image: np.ndarray, size: tuple[int, int]) -> tuple[pygame.Surface, np.ndarray]:
    """A BGR image scaled to ``size`` as a surface (and the array the surface shares).

    Scaling is done by OpenCV and the pixels are handed to pygame without a
    per-pixel copy in Python; the array must stay alive as long as the surface.

    >>> import numpy as np
    >>> surface, _ = to_surface(np.zeros((48, 64, 3), np.uint8), (32, 24))
    >>> surface.get_size()
    (32, 24)
    """
    h, w = image.shape[:2]
    if (w, h) != size:
        shrinking = size[0] < w or size[1] < h
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    image = np.ascontiguousarray(image)
    return pygame.image.frombuffer(image.data, size, "BGR"), image


def window_surface(
    image: np.ndarray, window: Box, size: tuple[int, int]
) -> tuple[pygame.Surface, np.ndarray]:
    """The part ``window`` (pixels of ``image``, fractions allowed) of a BGR image, scaled to ``size``,
    as a surface (and the array it shares).

    Enlarged, the window is placed to a fraction of a pixel, so a view that turns slowly while
    zoomed in glides instead of stepping a whole enlarged pixel at a time; shrunk (a thumbnail),
    its pixels are averaged.

    >>> surface, pixels = window_surface(np.zeros((90, 160, 3), np.uint8), Box(40.5, 20, 80, 45), (320, 180))
    >>> surface.get_size(), pixels.shape
    ((320, 180), (180, 320, 3))
    """
    w, h = size
    sx, sy = w / max(window.w, 1e-6), h / max(window.h, 1e-6)
    if sx >= 1.0 and sy >= 1.0:
        m = np.array([[sx, 0.0, -window.x * sx], [0.0, sy, -window.y * sy]], np.float64)
        # Sample at pixel centres: output pixel i shows image position window.x + (i + 0.5) / sx.
        m[:, 2] += 0.5 * np.array([sx, sy]) - 0.5
        out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    else:
        x0, y0, x1, y1 = window.pixel_bounds(image.shape[1], image.shape[0])
        out = cv2.resize(image[y0:y1, x0:x1], (w, h), interpolation=cv2.INTER_AREA)
    out = np.ascontiguousarray(out)
    return pygame.image.frombuffer(out.data, (w, h), "BGR"), out


def box_to_screen(box: Box, image_size: tuple[float, float], picture: Rect) -> Rect:
    """A box in frame pixels mapped onto the picture rect it is shown in.

    >>> from pygame import Rect
    >>> box_to_screen(Box(100, 50, 200, 100), (1000, 500), Rect(10, 20, 500, 250))
    <rect(60, 45, 100, 50)>
    """
    sx = picture.width / max(1, image_size[0])
    sy = picture.height / max(1, image_size[1])
    x0 = picture.left + box.x * sx
    y0 = picture.top + box.y * sy
    x1 = picture.left + (box.x + box.w) * sx
    y1 = picture.top + (box.y + box.h) * sy
    return Rect(
        math.floor(x0),
        math.floor(y0),
        max(1, math.ceil(x1) - math.floor(x0)),
        max(1, math.ceil(y1) - math.floor(y0)),
    )


@dataclass
class _Scaled:
    seq: int
    size: tuple[int, int]
    surface: pygame.Surface
    pixels: np.ndarray
    window: Box | None = None


#: A steered camera's on-picture readout of where it points stays this long after it stops, then fades.
READOUT_SECONDS = 1.5
READOUT_FADE = 0.5


@dataclass
class MonitorPainter:
    """Draws monitors, keeping each feed's scaled picture until a new frame arrives."""

    fonts: Fonts
    _scaled: dict[tuple[int, tuple[int, int]], _Scaled] = field(default_factory=dict)
    #: Each steered camera's last pose and when it last changed, for the readout while it moves.
    _moved: dict[int, tuple[Pose, float]] = field(default_factory=dict)
    _noise: dict[tuple[int, int], list[pygame.Surface]] = field(default_factory=dict)
    _rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(7))

    def picture(self, feed: FeedView, size: tuple[int, int]) -> pygame.Surface:
        assert feed.processed is not None
        key = (feed.index, size)
        cached = self._scaled.get(key)
        if cached is None or cached.seq != feed.seq or cached.window != feed.window:
            if feed.window is None:
                surface, pixels = to_surface(feed.processed.image, size)
            else:
                surface, pixels = window_surface(feed.processed.image, feed.window, size)
            cached = _Scaled(feed.seq, size, surface, pixels, feed.window)
            self._scaled[key] = cached
        return cached.surface

    def forget(self, keep: set[tuple[int, tuple[int, int]]]) -> None:
        """Drop scaled pictures for monitors no longer on screen."""
        for key in list(self._scaled):
            if key not in keep:
                del self._scaled[key]

    def draw(
        self,
        surface: pygame.Surface,
        rect: Rect,
        feed: FeedView,
        now: float,
        *,
        language: str,
        tally: bool,
        show_boxes: bool,
        large: bool,
    ) -> tuple[Rect, Rect | None]:
        """Draw a monitor in ``rect``; returns ``(screen area, picture rect or None)``."""
        fonts = self.fonts
        bezel = max(2, fonts.px(4) if large else fonts.px(3))
        pygame.draw.rect(surface, BEZEL_DARK, rect, border_radius=max(2, fonts.px(6)))
        pygame.draw.rect(
            surface,
            AMBER if tally else BEZEL,
            rect,
            max(1, fonts.px(3) if tally else 1),
            border_radius=max(2, fonts.px(6)),
        )
        inner = rect.inflate(-2 * bezel, -2 * bezel)
        lab_h = label_height(rect.width, fonts.scale)
        screen = Rect(inner.left, inner.top, inner.width, max(1, inner.height - lab_h))
        label = Rect(inner.left, screen.bottom, inner.width, inner.bottom - screen.bottom)
        surface.fill(INK, screen)
        picture: Rect | None = None
        p = feed.processed
        if feed.failed:
            self._failed(surface, screen, feed, language)
        elif not feed.ok and not feed.starting:
            self._signal_lost(surface, screen, feed, now, language)
        elif p is None or not feed.ok:
            self._starting(surface, screen, now, language)
        elif feed.stale:
            self._starting(surface, screen, now, language, title="analysing")
        else:
            h, w = p.image.shape[:2]
            if feed.window is not None:
                w, h = max(1, round(feed.window.w)), max(1, round(feed.window.h))
            picture = fit(w, h, screen)
            surface.blit(self.picture(feed, picture.size), picture)
            if show_boxes:
                self._boxes(surface, p, picture, feed.window)
            if feed.pose is not None:
                self._readout(surface, picture, feed.index, feed.pose, now, large)
            if p.hidden_all:
                note = fonts.text(text("all_hidden", language), 18 if large else 13, TEXT, bold=True)
                band = note.get_rect(midtop=(screen.centerx, screen.top + fonts.px(8))).inflate(
                    fonts.px(16), fonts.px(6)
                )
                surface.fill(BEZEL_DARK, band)
                blit_centred(surface, note, band.center)
        self._label(surface, label, feed, now, language, live=feed.ok and p is not None and not feed.stale)
        return screen, picture

    # -- parts -------------------------------------------------------------------
    def _label(
        self, surface: pygame.Surface, rect: Rect, feed: FeedView, now: float, language: str, live: bool
    ) -> None:
        fonts = self.fonts
        surface.fill(LABEL, rect)
        size = rect.height / max(fonts.scale, 1e-6) * 0.58
        pad = max(3, rect.height // 4)
        x = rect.left + pad
        number = fonts.text(str(feed.index + 1), size, INK, mono=True)
        tag = Rect(x, rect.top + 2, number.get_width() + pad, rect.height - 4)
        pygame.draw.rect(surface, TEXT, tag, border_radius=2)
        blit_centred(surface, number, tag.center)
        x = tag.right + pad
        name = fonts.text(feed.name.upper(), size, TEXT, bold=True)
        surface.blit(name, name.get_rect(midleft=(x, rect.centery)))
        ends = x + name.get_width()
        right = rect.right - pad
        clock = fonts.text(time.strftime("%H:%M:%S", time.localtime(time.time())), size, TEXT, mono=True)
        crect = clock.get_rect(midright=(right, rect.centery))
        items_left = crect.left
        surface.blit(clock, crect)
        if feed.pose is not None:
            # A steered camera: where it points, after its name, where there is room for it.
            frame, zoom = self._where_parts(rect, feed, size)
            if ends + pad + frame.width + zoom.get_width() + 2 * pad < crect.left:
                ends = self._where(surface, rect, ends + pad, feed, frame, zoom)
        r = max(3, rect.height // 6)
        live_word = fonts.text(
            text("live" if live else "off_air", language), size * 0.9, RED if live else MUTED, bold=True
        )
        lrect = live_word.get_rect(midright=(crect.left - 2 * pad, rect.centery))
        dot = (lrect.left - r - pad // 2, rect.centery)
        if ends < lrect.left - 2 * r - pad:
            surface.blit(live_word, lrect)
            if live and (now % 1.0) < 0.6:
                disc(surface, RED, dot, r)
            elif live:
                disc(surface, (90, 20, 20), dot, r)
            items_left = dot[0] - r
        if feed.processed is not None and feed.ok and not feed.stale:
            count = fonts.text(faces_text(len(feed.processed.faces), language), size * 0.9, MUTED, bold=True)
            frect = count.get_rect(midright=(items_left - 2 * pad, rect.centery))
            if frect.left > ends + pad:
                surface.blit(count, frect)

    def _where_parts(self, rect: Rect, feed: FeedView, size: float) -> tuple[Rect, pygame.Surface]:
        """The small frame (its size) and the zoom figure of a steered camera's place in the label."""
        assert feed.pose is not None
        frame_h = max(6, round(rect.height * 0.56))
        p = feed.processed
        width, height = (p.image.shape[1], p.image.shape[0]) if p is not None else (16, 9)
        frame = Rect(0, rect.centery - frame_h // 2, max(8, round(frame_h * width / max(1, height))), frame_h)
        colour = MUTED if feed.steerable else DIM
        return frame, self.fonts.text(f"{feed.pose.zoom:.1f}×", size * 0.9, colour, mono=True)

    def _where(
        self, surface: pygame.Surface, rect: Rect, x: int, feed: FeedView, frame: Rect, zoom: pygame.Surface
    ) -> int:
        """A steered camera's place in the label, from ``x``: the whole picture as a small frame with
        the part shown filled in, and the zoom; dimmed while steering is locked. Where it ends."""
        assert feed.pose is not None
        frame = frame.move(x, 0)
        colour = TEXT if feed.steerable else DIM
        pygame.draw.rect(surface, BEZEL_DARK, frame)
        p = feed.processed
        if feed.window is not None and p is not None:
            width, height = p.image.shape[1], p.image.shape[0]
            sx, sy = frame.width / max(1, width), frame.height / max(1, height)
            shown = Rect(
                frame.left + round(feed.window.x * sx),
                frame.top + round(feed.window.y * sy),
                max(2, round(feed.window.w * sx)),
                max(2, round(feed.window.h * sy)),
            ).clip(frame)
            pygame.draw.rect(surface, colour, shown)
        else:  # a head that turns the camera itself: a cross where it points
            cx = frame.centerx + round(feed.pose.pan * frame.width / 2)
            cy = frame.centery - round(feed.pose.tilt * frame.height / 2)
            pygame.draw.line(surface, colour, (cx, frame.top), (cx, frame.bottom - 1))
            pygame.draw.line(surface, colour, (frame.left, cy), (frame.right - 1, cy))
        pygame.draw.rect(surface, MUTED if feed.steerable else DIM, frame, 1)
        zrect = zoom.get_rect(midleft=(frame.right + max(3, rect.height // 6), rect.centery))
        surface.blit(zoom, zrect)
        return zrect.right

    def _readout(
        self, surface: pygame.Surface, picture: Rect, index: int, pose: Pose, now: float, large: bool
    ) -> None:
        """While a steered camera moves, and a moment after, where it points, in the picture's top
        right corner, as a pan-tilt-zoom camera's own display shows it; then it fades."""
        last = self._moved.get(index)
        if last is None:  # first seen standing (a starting view): nothing to read out
            self._moved[index] = (pose, -math.inf)
            return
        if last[0] != pose:
            last = self._moved[index] = (pose, now)
        since = now - last[1]
        if since >= READOUT_SECONDS + READOUT_FADE:
            return
        alpha = 1.0 if since < READOUT_SECONDS else 1.0 - (since - READOUT_SECONDS) / READOUT_FADE
        fonts = self.fonts
        words = f"PAN {pose.pan:+.2f}  TILT {pose.tilt:+.2f}  ZOOM {pose.zoom:.1f}×"
        line = fonts.text(words, 16 if large else 11, TEXT, mono=True)
        pad = fonts.px(6)
        band = line.get_rect(topright=(picture.right - 2 * pad, picture.top + 2 * pad)).inflate(2 * pad, pad)
        shade = pygame.Surface(band.size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, round(150 * alpha)))
        surface.blit(shade, band)
        blit_centred(surface, line, band.center, round(255 * alpha))

    def _boxes(self, surface: pygame.Surface, p: Processed, picture: Rect, window: Box | None = None) -> None:
        fonts = self.fonts
        size: tuple[float, float] = (p.image.shape[1], p.image.shape[0])
        origin = (0.0, 0.0)
        if window is not None:
            size, origin = (window.w, window.h), (window.x, window.y)
        for face in p.faces:
            box = Box(face.box.x - origin[0], face.box.y - origin[1], face.box.w, face.box.h)
            r = box_to_screen(box, size, picture).clip(picture)
            if r.width <= 1 or r.height <= 1:
                continue
            pygame.draw.rect(surface, CYAN, r, 1)
            score = fonts.text(f"{face.score:.2f}", 14, CYAN, mono=True)
            surface.blit(score, (r.left, max(picture.top, r.top - score.get_height())))

    def _noise_frames(self, size: tuple[int, int]) -> list[pygame.Surface]:
        frames = self._noise.get(size)
        if frames is None:
            w, h = size
            small = (max(2, w // 3), max(2, h // 3))
            frames = []
            for _ in range(6):
                grain = self._rng.integers(10, 120, (small[1], small[0]), dtype=np.uint8)
                grain[::2] = (grain[::2] * 0.6).astype(np.uint8)  # scan lines
                big = cv2.resize(grain, (w, h), interpolation=cv2.INTER_NEAREST)
                rgb = np.ascontiguousarray(np.repeat(big[:, :, None], 3, axis=2))
                frames.append(pygame.image.frombuffer(rgb.data, (w, h), "RGB").copy())
            if len(self._noise) > 24:
                self._noise.clear()
            self._noise[size] = frames
        return frames

    def _signal_lost(
        self, surface: pygame.Surface, screen: Rect, feed: FeedView, now: float, language: str
    ) -> None:
        fonts = self.fonts
        frames = self._noise_frames(screen.size)
        surface.blit(frames[int(now * 14) % len(frames)], screen)
        small = screen.height < fonts.px(300)
        title = fonts.text(text("signal_lost", language), 22 if small else 40, TEXT, bold=True)
        other = "zh" if language == "en" else "en"
        sub = fonts.text(text("signal_lost", other), 14 if small else 22, TEXT, bold=True)
        reason = feed.reason or text("reconnecting", language)
        lines = [title, sub]
        if not small or screen.height > fonts.px(140):
            lines.append(fonts.text(reason[:90], 12 if small else 17, MUTED, mono=True))
            if feed.reason:
                lines.append(fonts.text(text("reconnecting", language), 12 if small else 17, MUTED))
        self._card(surface, screen, lines, BEZEL)

    def _card(
        self, surface: pygame.Surface, screen: Rect, lines: list[pygame.Surface], border: Colour
    ) -> None:
        """``lines`` centred on a card in the middle of ``screen``, framed in ``border``."""
        fonts = self.fonts
        gap = fonts.px(6)
        height = sum(s.get_height() for s in lines) + gap * (len(lines) - 1)
        width = max(s.get_width() for s in lines)
        card = Rect(0, 0, min(screen.width - 4, width + fonts.px(40)), height + fonts.px(28))
        card.center = screen.center
        surface.fill(BACKGROUND, card)
        pygame.draw.rect(surface, border, card, 1)
        y = card.top + fonts.px(14)
        for s in lines:
            surface.blit(s, s.get_rect(midtop=(card.centerx, y)))
            y += s.get_height() + gap

    def _failed(self, surface: pygame.Surface, screen: Rect, feed: FeedView, language: str) -> None:
        """A calm card (nothing here is a lost signal): the fault in both languages, why, and that
        it restarts by itself."""
        fonts = self.fonts
        small = screen.height < fonts.px(300)
        other = "zh" if language == "en" else "en"
        lines = [
            fonts.text(text("failed", language), 22 if small else 40, AMBER, bold=True),
            fonts.text(text("failed", other), 14 if small else 22, AMBER, bold=True),
        ]
        if not small or screen.height > fonts.px(140):
            lines.append(fonts.text(feed.reason[:90], 12 if small else 17, MUTED, mono=True))
        lines.append(fonts.text(text("restarting", language), 12 if small else 17, MUTED))
        self._card(surface, screen, lines, AMBER)

    def _starting(
        self, surface: pygame.Surface, screen: Rect, now: float, language: str, title: str = "starting"
    ) -> None:
        fonts = self.fonts
        small = screen.height < fonts.px(300)
        title_image = fonts.text(text(title, language), 20 if small else 32, MUTED, bold=True)
        rect = blit_centred(surface, title_image, (screen.centerx, screen.centery - fonts.px(8)))
        r = max(2, fonts.px(4))
        for i in range(3):
            on = int(now * 2) % 3 == i
            disc(surface, TEXT if on else DIM, (screen.centerx + (i - 1) * 4 * r, rect.bottom + 3 * r), r)
