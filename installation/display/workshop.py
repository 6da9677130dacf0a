"""The workshop screen: the feed, what the model sees, the threshold, the challenge, the explanation.

Drawn by :class:`WorkshopRenderer`, a :class:`~installation.display.renderer.Renderer`
that draws from the same room model (feeds, indicators, controls) and lays the
screen out for a group instead of a wall. Only processed pictures are drawn:
the model's view is made from the picture with the effect applied, so it
never shows a face the feed hides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pygame
from pygame import Rect

from installation.control.model import RoomModel
from installation.control.pointer import Hotspot
from installation.control.state import InputKind
from installation.detect.views import ModelInput
from installation.display.layout import Layout, label_height, screen_regions
from installation.display.perf import Performance
from installation.display.renderer import Renderer
from installation.display.text import text
from installation.display.widgets import (
    AMBER,
    BEZEL,
    BEZEL_DARK,
    CYAN,
    DIM,
    INK,
    MUTED,
    RED,
    TEXT,
    blit_centred,
    button,
    disc,
    slider,
    slider_value,
)
from installation.effects import Effect
from installation.frames import Detection
from installation.modes.workshop.model import describe_model, in_model, model_input, model_view
from installation.modes.workshop.session import Workshop

if TYPE_CHECKING:
    from installation.display.fonts import Fonts
    from installation.frames import Processed
    from installation.pipeline.feeds import LiveFeed

#: How much the threshold keys move it.
THRESHOLD_STEP = 0.05


@dataclass(frozen=True)
class WorkshopRegions:
    """The parts of the workshop screen."""

    header: Rect
    feed: Rect
    explain: Rect
    model: Rect
    challenge: Rect
    controls: Rect
    unit: float


def workshop_regions(width: int, height: int) -> WorkshopRegions:
    """The feed and explanation on the left, the model's view and the challenge on the right.

    >>> r = workshop_regions(1280, 720)
    >>> r.feed.right < r.model.left, r.feed.bottom < r.explain.top, r.challenge.bottom < r.controls.top
    (True, True, True)
    """
    base = screen_regions(width, height)
    unit = base.unit
    m = max(4, round(16 * unit))
    top, bottom = base.header.bottom, base.controls.top - m
    right_w = max(round(240 * unit), round(width * 0.34))
    right = Rect(width - m - right_w, top, right_w, bottom - top)
    left = Rect(m, top, right.left - 2 * m, bottom - top)
    bezel = 2 * max(2, round(4 * unit))
    feed_w = left.width
    feed_h = round((feed_w - bezel) * 9 / 16) + label_height(feed_w, unit) + bezel
    most = round(left.height * 0.66)
    if feed_h > most:
        feed_h = most
        feed_w = round((most - label_height(left.width, unit) - bezel) * 16 / 9) + bezel
    feed = Rect(left.left + (left.width - feed_w) // 2, top, feed_w, feed_h)
    explain = Rect(left.left, feed.bottom + m, left.width, bottom - feed.bottom - m)
    model = Rect(right.left, top, right.width, round(right.height * 0.56))
    challenge = Rect(right.left, model.bottom + m, right.width, bottom - model.bottom - m)
    return WorkshopRegions(base.header, feed, explain, model, challenge, base.controls, unit)


@dataclass
class _ModelPicture:
    key: tuple[object, ...]
    model: ModelInput
    surfaces: list[pygame.Surface]
    pixels: list[np.ndarray]
    boxes: list[list[Detection]]
    #: The pictures one above the other (wide pictures, such as YuNet's whole frames), else side by side.
    stacked: bool = False


class WorkshopRenderer(Renderer):
    """Draws the workshop screen and adds the threshold slider and the challenge keys.

    Keys besides the room's: ``,`` / ``.`` (or Page Down / Page Up) lower and
    raise the threshold, ``R`` starts the challenge over (best time included).

    >>> import pygame; _ = pygame.font.init()
    >>> from installation.control.state import ControlState
    >>> model = RoomModel([], ControlState())
    >>> r = WorkshopRenderer(model, workshop=Workshop(), size=(1280, 720))
    >>> model.update(now=0.0).exposed
    False
    >>> r.draw(pygame.Surface((1280, 720)), now=0.0)
    >>> r.pointer.find("threshold") is None, r.pointer.find("effect.blur") is not None
    (True, True)
    """

    def __init__(
        self,
        model: RoomModel,
        *,
        workshop: Workshop,
        size: tuple[int, int],
        board: Callable[[], tuple[bool, str]] = lambda: (False, ""),
        performance: Performance | None = None,
    ) -> None:
        super().__init__(model, size=size, layout=Layout.SINGLE, board=board, performance=performance)
        self.workshop = workshop
        self.wregions = workshop_regions(*size)
        #: What the model sees of the watched camera's newest result, kept until that changes.
        self._seen: _ModelPicture | None = None
        self._fitted: dict[tuple[object, ...], tuple[float, list[str]]] = {}
        #: The inside of the model and challenge panels, set when the static layer is drawn.
        self._inner: dict[str, Rect] = {}

    def resize(self, size: tuple[int, int]) -> None:
        super().resize(size)
        self.wregions = workshop_regions(*size)
        self._seen = None
        self._fitted = {}

    @property
    def feed(self) -> LiveFeed | None:
        """The watched camera."""
        watched = self.model.watched
        return None if watched is None else self.model.feeds[watched]

    # -- each frame ----------------------------------------------------------------
    def draw(self, canvas: pygame.Surface, now: float | None = None) -> None:
        import time

        now = time.monotonic() if now is None else now
        if canvas.get_size() != self.size:
            self.resize(canvas.get_size())
        reg = self.wregions
        lang = self.controls.language
        # What only changes with the language (panels, titles, the explanation) is drawn once.
        whole = canvas.get_rect()
        self._layer(canvas, "workshop.static", whole, (lang,), lambda s, r: self._static(s, lang))
        spots = self._feed(canvas, reg.feed, now, lang)
        self._model_panel(canvas, self._inner["model"], lang)
        self._challenge(canvas, self._inner["challenge"], now, lang)
        feed = self.feed
        threshold = self.workshop.threshold(feed) if feed is not None else None
        c = self.controls
        key = (lang, c.effects, c.effect, threshold, c.selected, c.cameras)
        spots += self._layer(
            canvas,
            "workshop.controls",
            reg.controls,
            key,
            lambda s, r: self._workshop_controls(s, r, lang, threshold),
        )
        if self.show_overlay:
            self._facilitator(canvas, now)
        self.pointer.hotspots = spots

    # -- parts ---------------------------------------------------------------------
    def _static(self, canvas: pygame.Surface, lang: str) -> list[Hotspot]:
        reg = self.wregions
        words = self.workshop.explanation
        self._header(canvas, reg.header, lang)
        self._explain(canvas, reg.explain, lang)
        self._inner["model"] = self._panel(canvas, reg.model, words.label("model_title", lang))
        self._inner["challenge"] = self._panel(canvas, reg.challenge, words.label("challenge_title", lang))
        return []

    def _panel(self, canvas: pygame.Surface, rect: Rect, title: str) -> Rect:
        """A dark rounded panel with a small title; returns the area inside it below the title."""
        f = self.fonts
        pygame.draw.rect(canvas, BEZEL_DARK, rect, border_radius=max(2, f.px(8)))
        pygame.draw.rect(canvas, BEZEL, rect, 1, border_radius=max(2, f.px(8)))
        pad = f.px(14)
        label = f.text(title, 20, MUTED, bold=True)
        canvas.blit(label, (rect.left + pad, rect.top + pad // 2 + f.px(2)))
        top = rect.top + pad // 2 + label.get_height() + f.px(6)
        return Rect(rect.left + pad, top, rect.width - 2 * pad, rect.bottom - pad // 2 - top)

    def _header(self, canvas: pygame.Surface, rect: Rect, lang: str) -> None:
        f = self.fonts
        words = self.workshop.explanation
        title = f.text(f"{text('title', lang)}  ·  {words.label('workshop', lang)}", 22, TEXT, bold=True)
        canvas.blit(title, title.get_rect(midleft=(rect.left + f.px(4), rect.centery)))
        note = f.text(text("nothing_recorded", lang), 18, MUTED)
        if note.get_width() < rect.width - title.get_width() - f.px(40):
            canvas.blit(note, note.get_rect(midright=(rect.right - f.px(4), rect.centery)))

    def _feed(self, canvas: pygame.Surface, rect: Rect, now: float, lang: str) -> list[Hotspot]:
        self.shown = {}
        i = self.model.watched
        if i is None:
            return []
        view = self.model.views[i]
        _, picture = self.painter.draw(
            canvas,
            rect,
            view,
            now,
            language=lang,
            tally=False,
            show_boxes=self.controls.show_boxes,
            large=True,
        )
        if picture is not None and view.processed is not None:
            self.shown[i] = (view.processed, picture)
            self.painter.forget({(i, picture.size)})
        return [Hotspot(f"monitor.{i}", rect, lambda _p: self.controls.next_camera(InputKind.TOUCH))]

    def _explain(self, canvas: pygame.Surface, rect: Rect, lang: str) -> None:
        f = self.fonts
        sections = self.workshop.explanation.sections
        if rect.height < f.px(60) or not sections:
            return
        gap = f.px(12)
        width = (rect.width - gap * (len(sections) - 1)) // len(sections)
        for n, section in enumerate(sections):
            card = Rect(rect.left + n * (width + gap), rect.top, width, rect.height)
            inner = self._panel(canvas, card, section.title[lang])
            size, lines = self._fit(section.body[lang], inner, key=(section.key, lang))
            y = inner.top
            for line in lines:
                image = f.text(line, size, TEXT)
                canvas.blit(image, (inner.left, y))
                y += round(image.get_height() * 1.08)

    def _fit(self, body: str, rect: Rect, key: tuple[object, ...]) -> tuple[float, list[str]]:
        """The largest size (down to a floor) at which ``body`` fits ``rect``, with its lines."""
        cache_key = (*key, rect.size)
        fitted = self._fitted.get(cache_key)
        if fitted is None:
            f = self.fonts
            size = 22.0
            while True:
                lines = f.wrap(body, size, rect.width)
                height = len(lines) * round(f.font(size).get_linesize() * 1.08)
                if height <= rect.height or size <= 12:
                    break
                size -= 1
            fitted = (size, lines)
            self._fitted[cache_key] = fitted
        return fitted

    def _model_picture(
        self, processed: Processed, feed: LiveFeed, index: int, seq: int, area: Rect
    ) -> _ModelPicture:
        height, width = processed.image.shape[:2]
        key = (index, seq, area.size)
        if self._seen is not None and self._seen.key == key:
            return self._seen
        model = model_input(feed.detector, width, height)
        pictures = model_view(processed.image, model)
        n = len(pictures)
        gap = self.fonts.px(10)

        def fit(cell_w: int, cell_h: int) -> float:
            return min(min(cell_w / p.shape[1], cell_h / p.shape[0]) for p in pictures)

        beside = (max(8, (area.width - gap * (n - 1)) // n), max(8, area.height))
        above = (max(8, area.width), max(8, (area.height - gap * (n - 1)) // n))
        stacked = n > 1 and fit(*above) > fit(*beside)
        cell_w, cell_h = above if stacked else beside
        surfaces, pixels = [], []
        for picture in pictures:
            ph, pw = picture.shape[:2]
            scale = min(cell_w / pw, cell_h / ph)
            size = (max(8, round(pw * scale)), max(8, round(ph * scale)))
            # Enlarged with nearest neighbour, every pixel the model gets stays a visible square;
            # a picture larger than its cell (YuNet's) is shrunk with averaging.
            how = cv2.INTER_NEAREST if scale >= 1 else cv2.INTER_AREA
            big = np.ascontiguousarray(cv2.resize(picture, size, interpolation=how))
            surfaces.append(pygame.image.frombuffer(big.data, size, "BGR"))
            pixels.append(big)
        boxes = [in_model(processed.detections, w) for w in model.windows]
        self._seen = _ModelPicture(key, model, surfaces, pixels, boxes, stacked)
        return self._seen

    def _model_panel(self, canvas: pygame.Surface, inner: Rect, lang: str) -> None:
        f = self.fonts
        words = self.workshop.explanation
        feed = self.feed
        i = self.model.watched
        view = None if i is None else self.model.views[i]
        if feed is None or i is None or view is None or view.processed is None or not view.ok:
            blit_centred(canvas, f.text(text("starting", lang), 24, MUTED, bold=True), inner.center)
            return
        processed = view.processed
        found = f.text(words.label("model_found", lang, n=len(processed.detections)), 24, CYAN, bold=True)
        info_h = f.px(24)
        area = Rect(
            inner.left, inner.top + info_h, inner.width, inner.height - info_h - found.get_height() - f.px(10)
        )
        picture = self._model_picture(processed, feed, i, view.seq, area)
        model = picture.model
        size_text = describe_model(model, words, lang)
        canvas.blit(f.text(size_text, 16, MUTED), (inner.left, inner.top))
        gap = f.px(10)
        between = gap * (len(picture.surfaces) - 1)
        if picture.stacked:
            total = max(s.get_width() for s in picture.surfaces)
            height = sum(s.get_height() for s in picture.surfaces) + between
        else:
            total = sum(s.get_width() for s in picture.surfaces) + between
            height = max(s.get_height() for s in picture.surfaces)
        x, y = area.left + (area.width - total) // 2, area.top
        for surface, boxes, window in zip(picture.surfaces, picture.boxes, model.windows, strict=True):
            cell = Rect(x, y, surface.get_width(), surface.get_height())
            canvas.blit(surface, cell)
            pygame.draw.rect(canvas, DIM, cell.inflate(2, 2), 1)
            scale = surface.get_width() / (window.size[0] + 2 * window.mirrored_px)
            for d in boxes:
                r = Rect(
                    round(cell.left + d.box.x * scale),
                    round(cell.top + d.box.y * scale),
                    max(2, round(d.box.w * scale)),
                    max(2, round(d.box.h * scale)),
                ).clip(cell)
                pygame.draw.rect(canvas, CYAN, r, 1)
                score = f.text(f"{d.score:.2f}", 15, CYAN, mono=True)
                canvas.blit(score, (r.left, max(cell.top, r.top - score.get_height())))
            if picture.stacked:
                y += surface.get_height() + gap
            else:
                x += surface.get_width() + gap
        y = area.top + height + f.px(8)
        canvas.blit(found, (inner.left, y))
        threshold = self.workshop.threshold(feed)
        if threshold is not None:
            value = f.text(f"{words.label('threshold', lang)} {threshold:.2f}", 20, MUTED, bold=True)
            canvas.blit(value, value.get_rect(bottomright=(inner.right, y + found.get_height() - f.px(3))))

    def _challenge(self, canvas: pygame.Surface, inner: Rect, now: float, lang: str) -> None:
        f = self.fonts
        words = self.workshop.explanation
        timer = self.workshop.timer
        y = inner.top
        if timer.running:
            label = f.text(words.label("challenge_unseen", lang), 22, AMBER, bold=True)
            canvas.blit(label, (inner.left, y))
            y += label.get_height()
            clock = f.text(f"{timer.elapsed(now):.1f} s", 64, AMBER, mono=True)
            canvas.blit(clock, (inner.left, y))
            y += clock.get_height()
        elif timer.present:
            r = max(4, f.px(12))
            seen = f.text(words.label("challenge_seen", lang), 30, RED, bold=True)
            disc(canvas, RED, (inner.left + r, y + f.px(8) + seen.get_height() // 2), r)
            canvas.blit(seen, (inner.left + 3 * r, y + f.px(8)))
            y += seen.get_height() + f.px(30)
        else:
            wait = f.text(words.label("challenge_waiting", lang), 24, TEXT, bold=True)
            canvas.blit(wait, (inner.left, y + f.px(8)))
            y += wait.get_height() + f.px(30)
        results = []
        for key, value in (("challenge_last", timer.last), ("challenge_best", timer.best)):
            shown = "  –  " if value is None else f"{value:5.1f} s"
            results.append(f"{words.label(key, lang)} {shown}")
        line = f.text("    ".join(results), 24, TEXT, mono=lang == "en")
        canvas.blit(line, (inner.left, y + f.px(4)))
        y += line.get_height() + f.px(10)
        for hint_line in f.wrap(words.label("challenge_hint", lang), 18, inner.width):
            image = f.text(hint_line, 18, MUTED)
            if y + image.get_height() > inner.bottom:
                break
            canvas.blit(image, (inner.left, y))
            y += image.get_height()

    def _workshop_controls(
        self, canvas: pygame.Surface, rect: Rect, lang: str, threshold: float | None
    ) -> list[Hotspot]:
        c = self.controls
        f = self.fonts
        gap = f.px(12)
        h = rect.height - f.px(14)
        y = rect.top + (rect.height - h) // 2
        effects = list(c.effects)
        weights = [600.0] + [150.0] * len(effects) + [196.0] + [100.0] * len(c.languages)
        unit = max(0.1, (rect.width - gap * (len(weights) - 1) - f.px(40)) / sum(weights))
        widths = [round(w * unit) for w in weights]
        spots: list[Hotspot] = []
        x = rect.left + f.px(20)
        slide = Rect(x, y, widths[0], h)
        feed = self.feed
        if threshold is not None and feed is not None:
            track = slider(canvas, f, slide, threshold, self.workshop.explanation.label("threshold", lang))
            set_threshold = self._threshold(feed, track)
            spots.append(Hotspot("threshold", slide, set_threshold, set_threshold))
        x = slide.right + f.px(20) + gap
        for effect, w in zip(effects, widths[1:], strict=False):
            r = Rect(x, y, w, h)
            accent = RED if effect is Effect.EXPOSED else TEXT
            label = text(f"effect.{effect.value}", lang)
            button(canvas, f, r, label, selected=c.effect is effect, accent=accent, size=26)
            spots.append(Hotspot(f"effect.{effect.value}", r, self._set_effect(effect)))
            x = r.right + gap
        rest = widths[1 + len(effects) :]
        r = Rect(x, y, rest[0], h)
        button(canvas, f, r, f"{text('camera', lang)} {c.selected + 1}/{c.cameras}", selected=False, size=24)
        spots.append(Hotspot("camera", r, lambda _p: c.next_camera(InputKind.TOUCH)))
        x = r.right + gap
        for language, w in zip(c.languages, rest[1:], strict=False):
            r = Rect(x, y, w, h)
            button(canvas, f, r, text("language", language), selected=c.language == language, size=26)
            spots.append(Hotspot(f"language.{language}", r, self._language(language)))
            x = r.right + gap
        return spots

    def _threshold(self, feed: LiveFeed, track: Rect) -> Callable[[tuple[int, int]], None]:
        return lambda pos: self.workshop.set_threshold(feed, slider_value(track, pos))

    # -- input ---------------------------------------------------------------------
    def key(self, key: int) -> bool:
        feed = self.feed
        current = self.workshop.threshold(feed) if feed is not None else None
        lower = key in (pygame.K_COMMA, pygame.K_LESS, pygame.K_PAGEDOWN)
        higher = key in (pygame.K_PERIOD, pygame.K_GREATER, pygame.K_PAGEUP)
        if (lower or higher) and feed is not None and current is not None:
            self.workshop.set_threshold(feed, current + (THRESHOLD_STEP if higher else -THRESHOLD_STEP))
        elif key == pygame.K_r:
            self.workshop.timer.reset()
            self.workshop.timer.best = self.workshop.timer.last = None
        elif key == pygame.K_g:
            pass  # one camera at a time here: no wall layouts
        else:
            return super().key(key)
        return True


def draw_recording_mark(
    surface: pygame.Surface, fonts: Fonts, label: str, elapsed: float, total: float, now: float
) -> Rect:
    """The red "recording" mark in the top left corner with the time recorded so far; returns its rect.

    A red frame runs round the whole screen too, so the mark is seen from
    anywhere in the room.
    """
    w, h = surface.get_size()
    edge = max(3, fonts.px(8))
    pygame.draw.rect(surface, RED, Rect(0, 0, w, h), edge)
    word = fonts.text(label, 30, TEXT, bold=True)
    clock = fonts.text(f"{elapsed:5.1f} / {total:.1f} s", 26, TEXT, mono=True)
    r = max(6, fonts.px(14))
    pad = fonts.px(14)
    box = Rect(
        edge + pad,
        edge + pad,
        2 * r + 3 * pad + word.get_width() + clock.get_width() + pad,
        max(word.get_height(), clock.get_height()) + pad,
    )
    pygame.draw.rect(surface, INK, box, border_radius=max(2, fonts.px(8)))
    pygame.draw.rect(surface, RED, box, max(1, fonts.px(2)), border_radius=max(2, fonts.px(8)))
    dot = (box.left + pad + r, box.centery)
    disc(surface, RED if now % 1.0 < 0.65 else (120, 20, 20), dot, r)
    surface.blit(word, word.get_rect(midleft=(dot[0] + r + pad, box.centery)))
    surface.blit(clock, clock.get_rect(midleft=(dot[0] + r + 2 * pad + word.get_width(), box.centery)))
    return box
