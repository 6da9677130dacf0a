"""The monitoring room's screen: the wall, the panel, the controls and the story.

``Renderer`` draws one frame at a time from the room's
:class:`~installation.control.model.RoomModel` (each camera's newest processed
frame, the indicator state, whether visitors are there) and leaves what it
drew for visitors to touch in its :class:`~installation.control.pointer.Pointer`;
:mod:`installation.control.input` applies their touches and keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pygame
from pygame import Rect

from installation.control.gestures import ViewGesture
from installation.control.model import RoomModel
from installation.control.pointer import Hotspot, Pointer
from installation.control.state import InputKind
from installation.display.captions import Caption, CaptionRotator
from installation.display.fonts import Fonts
from installation.display.layout import Layout, Regions, monitor_rects, screen_regions
from installation.display.monitor import MonitorPainter
from installation.display.panel import StickState, draw_panel
from installation.display.perf import Performance
from installation.display.room import Overlays
from installation.display.text import text
from installation.display.widgets import (
    BACKGROUND,
    CYAN,
    GREEN,
    MUTED,
    RED,
    TEXT,
    button,
    slider,
    slider_value,
)
from installation.effects import Effect

if TYPE_CHECKING:
    from installation.frames import Processed


class Renderer:
    """Draws the room onto a canvas from the room's model; what it draws, visitors can touch.

    >>> import pygame; _ = pygame.font.init()
    >>> from installation.control.state import ControlState
    >>> model = RoomModel([], ControlState(cameras=1))
    >>> r = Renderer(model, size=(960, 540))
    >>> canvas = pygame.Surface((960, 540))
    >>> model.update(now=0.0).exposed
    False
    >>> r.draw(canvas, now=0.0)
    >>> r.pointer.find("effect.pixelate") is not None
    True
    """

    def __init__(
        self,
        model: RoomModel,
        *,
        size: tuple[int, int],
        layout: Layout = Layout.FOCUS,
        captions: list[Caption] | None = None,
        caption_seconds: float = 12.0,
        board: Callable[[], tuple[bool, str]] = lambda: (False, ""),
        performance: Performance | None = None,
    ) -> None:
        self.model = model
        self.controls = model.controls
        self.layout = layout
        self.board = board
        #: The figures the facilitator overlay (F) shows.
        self.performance = performance or Performance(model)
        self.size = size
        self.regions: Regions = screen_regions(*size)
        self.fonts = Fonts(self.regions.unit)
        self.painter = MonitorPainter(self.fonts)
        self.overlays = Overlays(self.fonts, CaptionRotator(captions or [], caption_seconds))
        #: What was drawn for visitors to touch in the last frame.
        self.pointer = Pointer()
        self.show_overlay = False
        #: camera index -> (what was drawn, the picture's rect on the canvas) for this frame
        self.shown: dict[int, tuple[Processed, Rect]] = {}
        #: Drags, pinches, the wheel and double taps on a steered camera's large monitor.
        self.gesture = ViewGesture(model.steering) if model.steering is not None else None
        self._layers: dict[str, tuple[tuple[object, ...], pygame.Surface, list[Hotspot]]] = {}

    def resize(self, size: tuple[int, int]) -> None:
        self.size = size
        self.regions = screen_regions(*size)
        self.fonts = Fonts(self.regions.unit)
        self.painter = MonitorPainter(self.fonts)
        self.overlays = Overlays(self.fonts, self.overlays.rotator)
        self._layers = {}

    # -- each frame ----------------------------------------------------------------
    def draw(self, canvas: pygame.Surface, now: float | None = None) -> None:
        """Draw the whole screen for this frame and collect its touch targets."""
        now = time.monotonic() if now is None else now
        if canvas.get_size() != self.size:
            self.resize(canvas.get_size())
        reg = self.regions
        lang = self.controls.language
        presence = self.model.presence
        spots: list[Hotspot] = []
        canvas.fill(BACKGROUND)
        self.overlays.header(canvas, reg.header, lang)
        spots += self._wall(canvas, now, lang)
        self.overlays.captions(canvas, reg.captions, now - presence.started)
        if presence.evading(now):
            self.overlays.evasion(canvas, reg.wall, now, now - presence.evasion_at, lang)
        if presence.idle(now):
            self.overlays.invitation(canvas, reg.wall, now, lang)
        c, ind, board = self.controls, self.model.indicator, self.board()
        # the lamp's glow pulses while exposed: redraw the panel about 12 times a second then
        glow = round(now * 12) / 12 if ind.exposed else 0.0
        stick = self._stick()
        joystick = self.model.steering.joystick if self.model.steering is not None else None
        panel_key = (
            stick,
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
            lambda s, r: draw_panel(s, self.fonts, r, ind, c, board, glow, stick, joystick),
        )
        controls_key = (lang, c.effects, c.effect, c.strength, c.show_boxes, c.selected, c.cameras)
        spots += self._layer(
            canvas, "controls", reg.controls, controls_key, lambda s, r: self._controls(s, r, lang)
        )
        if self.show_overlay:
            self._facilitator(canvas, now)
        self.pointer.hotspots = spots

    def _stick(self) -> StickState | None:
        """The joystick's state for the panel's copy (None: no camera here can be steered)."""
        steering = self.model.steering
        if steering is None or not steering.has_heads():
            return None
        watched = self.model.watched
        steerable = watched is not None and steering.steerable(watched)
        return StickState(steering.joystick.speeds, steerable, steering.locked)

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
        views = self.model.views
        if not views:
            return spots
        monitors = monitor_rects(
            self.regions.wall, len(views), self.layout, self.controls.selected, self.regions.unit
        )
        keep = set()
        for order, (i, rect) in enumerate(monitors):
            large = order == 0 and self.layout is not Layout.GRID or len(monitors) == 1
            tally = i == self.controls.selected and len(views) > 1
            _, picture = self.painter.draw(
                canvas,
                rect,
                views[i],
                now,
                language=lang,
                tally=tally,
                show_boxes=self.controls.show_boxes,
                large=large,
            )
            processed = views[i].processed
            if picture is not None and processed is not None:
                self.shown[i] = (processed, picture)
                keep.add((i, picture.size))
            if large and picture is not None and views[i].pose is not None and self.gesture is not None:
                spots.append(self._steered(i, rect, picture, self.gesture))
            else:
                spots.append(Hotspot(f"monitor.{i}", rect, self._select(i)))
        self.painter.forget(keep)
        return spots

    def _steered(self, index: int, rect: Rect, picture: Rect, gesture: ViewGesture) -> Hotspot:
        """A steered camera's large monitor: touching it steers the camera."""

        def press(pos: tuple[int, int]) -> None:
            self.controls.select_camera(index, InputKind.TOUCH)
            gesture.press(index, picture, pos)

        return Hotspot(
            f"monitor.{index}",
            rect,
            press,
            gesture.drag,
            gesture.release,
            lambda factor, centre: gesture.pinch(index, picture, factor, centre),
            lambda steps, pos: gesture.wheel(index, picture, steps, pos),
        )

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
    def _facilitator(self, canvas: pygame.Surface, now: float) -> None:
        perf = self.performance.figures(now)
        lines = [
            (
                f"display {perf['display_fps']:5.1f} fps (cap {self.performance.target_fps:.0f})   "
                f"draw {perf['draw_ms']:4.1f} ms",
                TEXT,
            )
        ]
        lines.append(("camera       capture  processed  shown   detect  effect   latency p50/p95", MUTED))
        for cam in perf["cameras"]:
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
    def key(self, key: int) -> bool:
        """The wall's own keys: F shows the facilitator's figures, G changes the layout.

        The keys that mirror the controls are :func:`installation.control.input.control_key`'s.
        """
        if key == pygame.K_f:
            self.show_overlay = not self.show_overlay
        elif key == pygame.K_g:
            self.layout = self.layout.next()
        else:
            return False
        return True

    @property
    def any_face_exposed(self) -> bool:
        """True while a face is shown unhidden on any monitor (or the controls would show one)."""
        return self.model.indicator.exposed or any(p.exposed for p, _ in self.shown.values())


def _shifted(spot: Hotspot, offset: tuple[int, int]) -> Hotspot:
    """A hotspot drawn at ``(0, 0)`` of a layer, moved to where the layer sits on the canvas."""
    ox, oy = offset

    def moved(call: Callable[[tuple[int, int]], None] | None) -> Callable[[tuple[int, int]], None] | None:
        if call is None:
            return None
        return lambda pos: call((pos[0] - ox, pos[1] - oy))

    press = moved(spot.press)
    assert press is not None
    return Hotspot(spot.name, spot.rect.move(ox, oy), press, moved(spot.drag), moved(spot.release))
