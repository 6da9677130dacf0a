"""The monitoring room's screen: the wall, the panel, the controls and the story.

``Renderer`` draws one frame at a time from the newest processed frame of
each feed (it never waits for detection), turns touches and keys into
changes of the one :class:`~installation.state.ControlState`, and derives the
:class:`~installation.state.IndicatorState` that the on-screen panel and the
hardware link both show.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pygame
from pygame import Rect

from installation.display.captions import Caption, CaptionRotator
from installation.display.fonts import Fonts
from installation.display.layout import Layout, Regions, monitor_rects, screen_regions
from installation.display.monitor import FeedView, MonitorPainter
from installation.display.panel import draw_panel
from installation.display.perf import RateMeter, Samples
from installation.display.room import Overlays, Presence
from installation.display.text import text
from installation.display.widgets import (
    BACKGROUND,
    CYAN,
    GREEN,
    MUTED,
    RED,
    TEXT,
    Hotspot,
    Pointer,
    button,
    slider,
    slider_value,
)
from installation.effects import Effect
from installation.state import ControlState, IndicatorState, InputKind

if TYPE_CHECKING:
    from installation.frames import Processed


class Feed(Protocol):
    """What the wall needs from a camera: ``CameraWorker`` is one."""

    @property
    def name(self) -> str: ...

    @property
    def status(self) -> object: ...

    def latest(self) -> tuple[int, Processed | None]: ...


@dataclass
class FeedStats:
    """Live figures for one feed, for the facilitator overlay."""

    processed: RateMeter = field(default_factory=RateMeter)
    shown: RateMeter = field(default_factory=RateMeter)
    detect_ms: Samples = field(default_factory=lambda: Samples(120))
    effect_ms: Samples = field(default_factory=lambda: Samples(120))
    latency_ms: Samples = field(default_factory=lambda: Samples(600))
    last_seq: int = 0


EFFECT_KEYS = {
    pygame.K_b: Effect.BLUR,
    pygame.K_p: Effect.PIXELATE,
    pygame.K_s: Effect.SOLID,
    pygame.K_e: Effect.EXPOSED,
}
STRENGTH_STEP = 0.05


class Renderer:
    """Draws the room onto a canvas and applies the visitors' input.

    >>> import pygame; _ = pygame.font.init()
    >>> r = Renderer([], ControlState(cameras=1), size=(960, 540))
    >>> canvas = pygame.Surface((960, 540))
    >>> r.update(now=0.0).exposed
    False
    >>> r.draw(canvas, now=0.0)
    >>> r.pointer.find("effect.pixelate") is not None
    True
    """

    def __init__(
        self,
        feeds: Sequence[Feed],
        controls: ControlState,
        *,
        size: tuple[int, int],
        layout: Layout = Layout.FOCUS,
        captions: list[Caption] | None = None,
        caption_seconds: float = 12.0,
        idle_seconds: float = 45.0,
        board: Callable[[], tuple[bool, str]] = lambda: (False, ""),
        target_fps: float = 60.0,
        started: float | None = None,
        stale_seconds: float | None = 1.0,
    ) -> None:
        self.feeds = list(feeds)
        #: A camera whose newest processed frame was captured longer ago than this is shown
        #: as "analysing" instead (None: never). See :meth:`update`.
        self.stale_seconds = stale_seconds
        self.controls = controls
        self.layout = layout
        self.board = board
        self.target_fps = target_fps
        self.size = size
        self.regions: Regions = screen_regions(*size)
        self.fonts = Fonts(self.regions.unit)
        self.painter = MonitorPainter(self.fonts)
        self.overlays = Overlays(self.fonts, CaptionRotator(captions or [], caption_seconds))
        self.pointer = Pointer()
        now = time.monotonic() if started is None else started
        self.presence = Presence(idle_seconds=idle_seconds, started=now)
        self.show_overlay = False
        self.views: list[FeedView] = [
            FeedView(i, getattr(f, "name", f"Camera {i + 1}")) for i, f in enumerate(self.feeds)
        ]
        self.stats = [FeedStats() for _ in self.feeds]
        self.display_rate = RateMeter()
        self.frame_ms = Samples(240)
        self.indicator = IndicatorState(cameras=controls.cameras)
        #: camera index -> (what was drawn, the picture's rect on the canvas) for this frame
        self.shown: dict[int, tuple[Processed, Rect]] = {}
        self._new_this_frame: list[int] = []
        self.quit_requested = False
        self._layers: dict[str, tuple[tuple[object, ...], pygame.Surface, list[Hotspot]]] = {}

    def resize(self, size: tuple[int, int]) -> None:
        self.size = size
        self.regions = screen_regions(*size)
        self.fonts = Fonts(self.regions.unit)
        self.painter = MonitorPainter(self.fonts)
        self.overlays = Overlays(self.fonts, self.overlays.rotator)
        self._layers = {}

    # -- each frame ----------------------------------------------------------------
    def update(self, now: float | None = None) -> IndicatorState:
        """Take the newest result of every feed and derive the indicators.

        A camera that is not analysed often enough (an overloaded machine, a
        detector that blocks) would otherwise stand still on its last processed
        picture while the wall and the lights call it live. Once that picture's
        source frame is older than :attr:`stale_seconds` (the tracker's hold:
        older than any face the tracker still vouches for), the camera counts as
        not live and shows an "analysing" card until a fresh result arrives: the
        wall hides more, it never shows a picture the processing has fallen
        behind on as if it were now.
        """
        now = time.monotonic() if now is None else now
        faces: list[int] = []
        tracks: set[object] = set()
        live = False
        self._new_this_frame = []
        for i, feed in enumerate(self.feeds):
            view, stats = self.views[i], self.stats[i]
            seq, processed = feed.latest()
            status = feed.status
            view.ok = bool(getattr(status, "ok", True))
            view.reason = str(getattr(status, "reason", "") or "")
            view.failed = not view.ok and bool(getattr(status, "failed", False))
            view.starting = (
                not view.ok
                and not view.failed
                and not getattr(status, "frames", 1)
                and view.reason.endswith("starting")
            )
            if seq != view.seq and processed is not None:
                if stats.last_seq:
                    stats.processed.tick(now, max(1, seq - stats.last_seq))
                stats.last_seq = seq
                view.seq, view.processed = seq, processed
                stats.detect_ms.add(float(processed.timings.get("detect", 0.0)))
                stats.effect_ms.add(float(processed.timings.get("effect", 0.0)))
                self._new_this_frame.append(i)
            view.stale = self._stale(view.processed, now)
            if view.ok and view.processed is not None and not view.stale:
                live = True
                faces.append(len(view.processed.faces))
                if i == self.controls.selected:
                    tracks.update(
                        (i, f.track_id) for f in view.processed.faces if getattr(f, "confirmed", True)
                    )
            else:
                faces.append(0)
        self.presence.faces_seen(now, tracks, elsewhere=sum(faces))
        self.indicator = IndicatorState.derive(self.controls, faces, live=live)
        return self.indicator

    def _stale(self, processed: Processed | None, now: float) -> bool:
        """True when ``processed`` came from a frame captured too long ago to be shown."""
        if processed is None or self.stale_seconds is None:
            return False
        captured = processed.frame.captured
        return bool(captured) and now - captured > self.stale_seconds

    def draw(self, canvas: pygame.Surface, now: float | None = None) -> None:
        """Draw the whole screen for this frame and collect its touch targets."""
        now = time.monotonic() if now is None else now
        t0 = time.perf_counter()
        if canvas.get_size() != self.size:
            self.resize(canvas.get_size())
        reg = self.regions
        lang = self.controls.language
        spots: list[Hotspot] = []
        canvas.fill(BACKGROUND)
        self.overlays.header(canvas, reg.header, lang)
        spots += self._wall(canvas, now, lang)
        self.overlays.captions(canvas, reg.captions, now - self.presence.started)
        if self.presence.evading(now):
            self.overlays.evasion(canvas, reg.wall, now, now - self.presence.evasion_at, lang)
        idle = self.presence.idle(now)
        if idle:
            self.overlays.invitation(canvas, reg.wall, now, lang)
        c, ind, board = self.controls, self.indicator, self.board()
        # the lamp's glow pulses while exposed: redraw the panel about 12 times a second then
        glow = round(now * 12) / 12 if ind.exposed else 0.0
        panel_key = (
            ind.exposed,
            ind.live,
            ind.tally,
            ind.faces,
            ind.cameras,
            lang,
            c.effect,
            c.strength,
            c.selected,
            c.cameras,
            board,
            glow,
        )
        spots += self._layer(
            canvas,
            "panel",
            reg.panel,
            panel_key,
            lambda s, r: draw_panel(s, self.fonts, r, ind, c, board, glow),
        )
        controls_key = (lang, c.effects, c.effect, c.strength, c.show_boxes, c.selected, c.cameras)
        spots += self._layer(
            canvas, "controls", reg.controls, controls_key, lambda s, r: self._controls(s, r, lang)
        )
        if self.show_overlay:
            self._facilitator(canvas, now)
        self.pointer.hotspots = spots
        self.frame_ms.add((time.perf_counter() - t0) * 1000)

    def presented(self, when: float | None = None) -> None:
        """Call right after the frame reached the screen: counts fps and latency."""
        when = time.monotonic() if when is None else when
        self.display_rate.tick(when)
        for i in self._new_this_frame:
            view, stats = self.views[i], self.stats[i]
            if i in self.shown and view.processed is not None:
                stats.shown.tick(when)
                captured = view.processed.frame.captured
                if captured:
                    stats.latency_ms.add((when - captured) * 1000)

    def _layer(
        self,
        canvas: pygame.Surface,
        name: str,
        rect: Rect,
        key: tuple[object, ...],
        draw: Callable[[pygame.Surface, Rect], list[Hotspot]],
    ) -> list[Hotspot]:
        """Blit a part of the screen that only changes with ``key``, redrawing it when the key changes.

        The panel and the row of controls are costly to draw (rounded shapes,
        anti-aliased circles) and change only when a visitor does something.
        """
        layer = self._layers.get(name)
        if layer is None or layer[0] != (rect, key):
            surface = pygame.Surface(rect.size)
            surface.fill(BACKGROUND)
            spots = [
                _shifted(spot, rect.topleft) for spot in draw(surface, Rect(0, 0, rect.width, rect.height))
            ]
            layer = ((rect, key), surface, spots)
            self._layers[name] = layer
        canvas.blit(layer[1], rect)
        return layer[2]

    # -- the wall ------------------------------------------------------------------
    def _wall(self, canvas: pygame.Surface, now: float, lang: str) -> list[Hotspot]:
        spots: list[Hotspot] = []
        self.shown = {}
        if not self.feeds:
            return spots
        monitors = monitor_rects(
            self.regions.wall, len(self.feeds), self.layout, self.controls.selected, self.regions.unit
        )
        keep = set()
        for order, (i, rect) in enumerate(monitors):
            large = order == 0 and self.layout is not Layout.GRID or len(monitors) == 1
            tally = i == self.controls.selected and len(self.feeds) > 1
            _, picture = self.painter.draw(
                canvas,
                rect,
                self.views[i],
                now,
                language=lang,
                tally=tally,
                show_boxes=self.controls.show_boxes,
                large=large,
            )
            if picture is not None and self.views[i].processed is not None:
                self.shown[i] = (self.views[i].processed, picture)  # type: ignore[assignment]
                keep.add((i, picture.size))
            spots.append(Hotspot(f"monitor.{i}", rect, self._select(i)))
        self.painter.forget(keep)
        return spots

    def _select(self, index: int) -> Callable[[tuple[int, int]], None]:
        return lambda _pos: self.controls.select_camera(index, InputKind.TOUCH)

    # -- the row of controls -------------------------------------------------------
    def _controls(self, canvas: pygame.Surface, rect: Rect, lang: str) -> list[Hotspot]:
        c = self.controls
        px = self.fonts.px
        gap = px(12)
        h = rect.height - px(14)
        y = rect.top + (rect.height - h) // 2
        # widths in proportion (designed at 1920 wide), so the row fits any screen
        effects = list(c.effects)
        weights = [176.0] * len(effects) + [560.0, 240.0, 196.0] + [100.0] * len(c.languages)
        gaps = gap * (len(weights) - 1) + px(40)  # the slider keeps extra room around its thumb
        unit = max(0.1, (rect.width - gaps) / sum(weights))
        widths = [round(w * unit) for w in weights]
        spots: list[Hotspot] = []
        x = rect.left
        for effect, w in zip(effects, widths, strict=False):
            r = Rect(x, y, w, h)
            accent = RED if effect is Effect.EXPOSED else TEXT
            label = text(f"effect.{effect.value}", lang)
            button(canvas, self.fonts, r, label, selected=c.effect is effect, accent=accent)
            spots.append(Hotspot(f"effect.{effect.value}", r, self._set_effect(effect)))
            x = r.right + gap
        rest = widths[len(effects) :]
        # the right-hand group sits against the right edge; the slider takes what is left between
        right = rect.right
        lang_rects: list[Rect] = []
        for w in reversed(rest[3:]):
            lang_rects.insert(0, Rect(right - w, y, w, h))
            right -= w + gap
        camera_rect = Rect(right - rest[2], y, rest[2], h)
        boxes_rect = Rect(camera_rect.left - gap - rest[1], y, rest[1], h)
        slide = Rect(x + px(20), y, max(px(120), boxes_rect.left - gap - px(20) - x - px(20)), h)
        track = slider(canvas, self.fonts, slide, c.strength, text("strength", lang))
        set_strength = self._strength(track)
        spots.append(Hotspot("strength", slide, set_strength, set_strength))
        button(
            canvas, self.fonts, boxes_rect, text("boxes", lang), selected=c.show_boxes, accent=CYAN, size=26
        )
        spots.append(
            Hotspot("boxes", boxes_rect, lambda _p: c.set_show_boxes(not c.show_boxes, InputKind.TOUCH))
        )
        label = f"{text('camera', lang)} {c.selected + 1}/{c.cameras}"
        button(canvas, self.fonts, camera_rect, label, selected=False, size=26)
        spots.append(Hotspot("camera", camera_rect, lambda _p: c.next_camera(InputKind.TOUCH)))
        for language, r in zip(c.languages, lang_rects, strict=False):
            button(
                canvas, self.fonts, r, text("language", language), selected=c.language == language, size=28
            )
            spots.append(Hotspot(f"language.{language}", r, self._language(language)))
        return spots

    def _set_effect(self, effect: Effect) -> Callable[[tuple[int, int]], None]:
        return lambda _pos: self.controls.set_effect(effect, InputKind.TOUCH)

    def _strength(self, track: Rect) -> Callable[[tuple[int, int]], None]:
        return lambda pos: self.controls.set_strength(slider_value(track, pos), InputKind.TOUCH)

    def _language(self, language: str) -> Callable[[tuple[int, int]], None]:
        return lambda _pos: self.controls.set_language(language, InputKind.TOUCH)

    # -- the facilitator's view ----------------------------------------------------
    def performance(self, now: float | None = None) -> dict[str, object]:
        """The live figures the facilitator overlay shows, as numbers."""
        now = time.monotonic() if now is None else now
        display_fps = self.display_rate.rate(now)
        cams = []
        keeping_up = display_fps >= 0.9 * self.target_fps or self.display_rate.count < 10
        for feed, stats in zip(self.feeds, self.stats, strict=True):
            status = feed.status
            capture = float(getattr(status, "fps", 0.0) or 0.0)
            processed = stats.processed.rate(now)
            # A thumbnail is analysed at a lower rate on purpose (the room sets its ``max_fps``):
            # it is behind only when it falls short of that rate, not of the camera's.
            limit = float(getattr(feed, "max_fps", None) or 0.0)
            intended = min(capture, limit) if limit > 0 and capture > 0 else capture
            behind = intended > 0 and processed < 0.85 * intended
            keeping_up = keeping_up and not behind
            cams.append(
                {
                    "name": feed.name,
                    "capture_fps": capture,
                    "intended_fps": intended,
                    "processed_fps": processed,
                    "shown_fps": stats.shown.rate(now),
                    "detect_ms": stats.detect_ms.mean(),
                    "effect_ms": stats.effect_ms.mean(),
                    "latency_p50": stats.latency_ms.percentile(50),
                    "latency_p95": stats.latency_ms.percentile(95),
                    "behind": behind,
                }
            )
        return {
            "display_fps": display_fps,
            "draw_ms": self.frame_ms.mean(),
            "cameras": cams,
            "keeping_up": keeping_up,
        }

    def _facilitator(self, canvas: pygame.Surface, now: float) -> None:
        perf = self.performance(now)
        lines = [
            (
                f"display {perf['display_fps']:5.1f} fps (cap {self.target_fps:.0f})   "
                f"draw {perf['draw_ms']:4.1f} ms",
                TEXT,
            )
        ]
        lines.append(("camera       capture  processed  shown   detect  effect   latency p50/p95", MUTED))
        for cam in perf["cameras"]:  # type: ignore[attr-defined]
            lines.append(
                (
                    f"{cam['name'][:12]:<12} {cam['capture_fps']:5.1f}    {cam['processed_fps']:5.1f}    "
                    f"{cam['shown_fps']:5.1f}   {cam['detect_ms']:5.1f}   {cam['effect_ms']:5.1f}    "
                    f"{cam['latency_p50']:4.0f}/{cam['latency_p95']:4.0f} ms"
                    + ("  BEHIND" if cam["behind"] else ""),
                    RED if cam["behind"] else TEXT,
                )
            )
        ok = bool(perf["keeping_up"])
        lines.append(("keeping up with real time: " + ("yes" if ok else "NO"), GREEN if ok else RED))
        lines.append(
            ("F hides this · G layout · D machine view · 1-9 camera · B P S E effect · +/- strength", MUTED)
        )
        images = [self.fonts.text(s, 17, colour, mono=True) for s, colour in lines]
        pad = self.fonts.px(12)
        w = max(i.get_width() for i in images) + 2 * pad
        h = sum(i.get_height() for i in images) + 2 * pad
        box = Rect(self.regions.wall.left + pad, self.regions.wall.top + pad, w, h)
        canvas.blit(self.overlays.shade(box.size, 238), box)
        y = box.top + pad
        for image in images:
            canvas.blit(image, (box.left + pad, y))
            y += image.get_height()

    # -- input ---------------------------------------------------------------------
    def handle(
        self,
        event: pygame.event.Event,
        to_canvas: Callable[[tuple[int, int]], tuple[int, int]],
        screen_size: tuple[int, int],
        now: float | None = None,
    ) -> None:
        """Apply one pygame event (touch, mouse or key) to the controls."""
        now = time.monotonic() if now is None else now
        t = event.type
        if t in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
            if getattr(event, "touch", False):
                return  # SDL's mouse copy of a finger: the FINGER event is handled instead
            if t == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) != 1:
                return
            pos = to_canvas(event.pos)
            if t == pygame.MOUSEBUTTONDOWN:
                self.presence.touched(now)
                self.pointer.down(pos)
            elif t == pygame.MOUSEMOTION:
                if getattr(event, "buttons", (0,))[0]:
                    self.pointer.move(pos)
            else:
                self.pointer.up(pos)
        elif t in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
            pos = to_canvas((int(event.x * screen_size[0]), int(event.y * screen_size[1])))
            if t == pygame.FINGERDOWN:
                self.presence.touched(now)
                self.pointer.down(pos)
            elif t == pygame.FINGERMOTION:
                self.pointer.move(pos)
            else:
                self.pointer.up(pos)
        elif t == pygame.KEYDOWN:
            self.presence.touched(now)
            self.key(event.key)

    def key(self, key: int) -> None:
        """The keyboard mirrors every on-screen control."""
        c, via = self.controls, InputKind.KEY
        if pygame.K_1 <= key <= pygame.K_9:
            c.select_camera(key - pygame.K_1, via)
        elif pygame.K_KP1 <= key <= pygame.K_KP9:
            c.select_camera(key - pygame.K_KP1, via)
        elif key in EFFECT_KEYS:
            c.set_effect(EFFECT_KEYS[key], via)
        elif key == pygame.K_SPACE:
            c.cycle_effect(via)
        elif key in (pygame.K_UP, pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS, pygame.K_RIGHTBRACKET):
            c.set_strength(c.strength + STRENGTH_STEP, via)
        elif key in (pygame.K_DOWN, pygame.K_MINUS, pygame.K_KP_MINUS, pygame.K_LEFTBRACKET):
            c.set_strength(c.strength - STRENGTH_STEP, via)
        elif key in (pygame.K_c, pygame.K_TAB, pygame.K_RIGHT):
            c.next_camera(via)
        elif key == pygame.K_LEFT:
            c.select_camera((c.selected - 1) % c.cameras, via)
        elif key == pygame.K_d:
            c.set_show_boxes(not c.show_boxes, via)
        elif key == pygame.K_l:
            c.next_language(via)
        elif key == pygame.K_f:
            self.show_overlay = not self.show_overlay
        elif key == pygame.K_g:
            self.layout = self.layout.next()
        elif key in (pygame.K_ESCAPE, pygame.K_q):
            self.quit_requested = True

    @property
    def any_face_exposed(self) -> bool:
        """True while a face is shown unhidden on any monitor (or the controls would show one)."""
        return self.indicator.exposed or any(p.exposed for p, _ in self.shown.values())


def _shifted(spot: Hotspot, offset: tuple[int, int]) -> Hotspot:
    """A hotspot drawn at ``(0, 0)`` of a layer, moved to where the layer sits on the canvas."""
    ox, oy = offset

    def press(pos: tuple[int, int]) -> None:
        spot.press((pos[0] - ox, pos[1] - oy))

    def drag(pos: tuple[int, int]) -> None:
        assert spot.drag is not None
        spot.drag((pos[0] - ox, pos[1] - oy))

    return Hotspot(spot.name, spot.rect.move(ox, oy), press, drag if spot.drag is not None else None)
