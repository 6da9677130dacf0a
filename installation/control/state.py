"""What visitors control and what the indicators show.

``ControlState`` is the one object every input changes: touch and keys in the
render loop, the physical panel through events queued by the serial thread
(never called from that thread directly). ``IndicatorState`` is derived from
the pipeline each frame; the on-screen panel draws it and the hardware link
mirrors it to the board.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING

from installation.effects import Effect
from installation.explanation import LANGUAGES

if TYPE_CHECKING:
    from installation.steer import Joystick


class InputKind(str, Enum):
    """Where a control change came from (counted by the anonymous statistics)."""

    TOUCH = "touch"
    KEY = "key"
    PANEL = "panel"
    SYSTEM = "system"


EFFECT_ORDER = (Effect.BLUR, Effect.PIXELATE, Effect.SOLID, Effect.EXPOSED)


@dataclass(frozen=True)
class ControlChange:
    """One change of the control state, as told to listeners."""

    name: str
    value: object
    via: InputKind


class ControlState:
    """Effect, strength, camera and view choices, changed only through methods.

    >>> c = ControlState(cameras=2, allow_exposed=False)
    >>> c.cycle_effect(InputKind.KEY)
    >>> c.effect
    <Effect.PIXELATE: 'pixelate'>
    >>> c.set_effect(Effect.EXPOSED, InputKind.TOUCH)
    >>> c.effect
    <Effect.PIXELATE: 'pixelate'>
    """

    def __init__(
        self,
        *,
        cameras: int = 1,
        effect: Effect = Effect.BLUR,
        strength: float = 0.5,
        allow_exposed: bool = True,
        language: str = LANGUAGES[0],
        languages: tuple[str, ...] = LANGUAGES,
    ) -> None:
        self.cameras = max(1, cameras)
        self.allow_exposed = allow_exposed
        if effect is Effect.EXPOSED and not allow_exposed:
            effect = Effect.BLUR
        self.effect = effect
        self.strength = min(1.0, max(0.0, strength))
        self.selected = 0
        self.show_boxes = False
        self.languages = languages
        self.language = language if language in languages else languages[0]
        self._listeners: list[Callable[[ControlChange], None]] = []

    # -- listeners -----------------------------------------------------------
    def subscribe(self, listener: Callable[[ControlChange], None]) -> None:
        self._listeners.append(listener)

    def _changed(self, name: str, value: object, via: InputKind) -> None:
        change = ControlChange(name, value, via)
        for listener in self._listeners:
            listener(change)

    # -- choices -------------------------------------------------------------
    @property
    def effects(self) -> tuple[Effect, ...]:
        """The effects visitors may choose, in the order buttons show them."""
        if self.allow_exposed:
            return EFFECT_ORDER
        return tuple(e for e in EFFECT_ORDER if e is not Effect.EXPOSED)

    def set_allow_exposed(self, allowed: bool, via: InputKind) -> None:
        """Let visitors choose "exposed", or not; forbidding it while it is chosen switches to blur.

        >>> c = ControlState(effect=Effect.EXPOSED)
        >>> c.set_allow_exposed(False, InputKind.SYSTEM)
        >>> c.effect, c.effects[-1]
        (<Effect.BLUR: 'blur'>, <Effect.SOLID: 'solid'>)
        """
        self.allow_exposed = allowed
        if not allowed and not self.effect.hides:
            self.set_effect(Effect.BLUR, via)

    def set_effect(self, effect: Effect, via: InputKind) -> None:
        if effect not in self.effects or effect is self.effect:
            return
        self.effect = effect
        self._changed("effect", effect, via)

    def cycle_effect(self, via: InputKind) -> None:
        choices = self.effects
        i = choices.index(self.effect) if self.effect in choices else -1
        self.set_effect(choices[(i + 1) % len(choices)], via)

    def set_strength(self, value: float, via: InputKind) -> None:
        value = min(1.0, max(0.0, float(value)))
        if abs(value - self.strength) < 1e-3:
            return
        self.strength = value
        self._changed("strength", value, via)

    def select_camera(self, index: int, via: InputKind) -> None:
        if not 0 <= index < self.cameras or index == self.selected:
            return
        self.selected = index
        self._changed("camera", index, via)

    def next_camera(self, via: InputKind) -> None:
        if self.cameras > 1:
            self.select_camera((self.selected + 1) % self.cameras, via)

    def set_show_boxes(self, on: bool, via: InputKind) -> None:
        if on != self.show_boxes:
            self.show_boxes = on
            self._changed("boxes", on, via)

    def set_language(self, language: str, via: InputKind) -> None:
        if language in self.languages and language != self.language:
            self.language = language
            self._changed("language", language, via)

    def next_language(self, via: InputKind) -> None:
        i = self.languages.index(self.language)
        self.set_language(self.languages[(i + 1) % len(self.languages)], via)


@dataclass(frozen=True)
class PanelEvent:
    """An input from the physical panel, queued by the serial thread.

    ``kind`` is ``"effect"`` (button: cycle effect), ``"camera"`` (button: next
    camera), ``"strength"`` (knob, ``value`` in [0, 1]), or one axis of the
    joystick and zoom control: ``"joystick.pan"``, ``"joystick.tilt"`` or
    ``"joystick.zoom"`` (``value`` from -1 to 1; right, up and in are positive),
    which go to the room's :class:`~installation.steer.Joystick`.
    """

    kind: str
    value: float = 0.0

    def apply(self, controls: ControlState) -> None:
        if self.kind == "effect":
            controls.cycle_effect(InputKind.PANEL)
        elif self.kind == "camera":
            controls.next_camera(InputKind.PANEL)
        elif self.kind == "strength":
            controls.set_strength(self.value, InputKind.PANEL)


#: The joystick's axes, as panel event kinds.
JOYSTICK_EVENTS = {"joystick.pan": "pan", "joystick.tilt": "tilt", "joystick.zoom": "zoom"}


def drain_panel_events(
    events: queue.SimpleQueue[PanelEvent], controls: ControlState, joystick: Joystick | None = None
) -> int:
    """Apply every queued panel event on the render loop's thread; returns how many.

    The joystick's readings set ``joystick`` (the room's steering reads it each frame).

    >>> from installation.steer import Joystick
    >>> events, stick = queue.SimpleQueue(), Joystick()
    >>> events.put(PanelEvent("joystick.tilt", -0.5))
    >>> drain_panel_events(events, ControlState(), stick), stick.speeds
    (1, (0.0, -0.5, 0.0))
    """
    n = 0
    while True:
        try:
            event = events.get_nowait()
        except queue.Empty:
            return n
        axis = JOYSTICK_EVENTS.get(event.kind)
        if axis is not None:
            if joystick is not None:
                joystick.set(**{axis: event.value})
        else:
            event.apply(controls)
        n += 1


@dataclass(frozen=True)
class IndicatorState:
    """What the exposure light, LIVE light, tally and face bar show.

    ``exposed`` is True while any visible face is shown unhidden (red light),
    False while every visible face is hidden (green). ``faces`` is the number of
    faces seen on all cameras, ``tally`` the camera on the large monitor.
    """

    exposed: bool = False
    live: bool = True
    tally: int = 0
    faces: int = 0
    cameras: int = 1
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def with_(self, **changes: object) -> IndicatorState:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def derive(cls, controls: ControlState, faces_per_camera: list[int], live: bool = True) -> IndicatorState:
        """The state for this frame from the controls and each camera's face count."""
        faces = sum(faces_per_camera)
        return cls(
            exposed=faces > 0 and not controls.effect.hides,
            live=live,
            tally=controls.selected,
            faces=faces,
            cameras=controls.cameras,
        )
