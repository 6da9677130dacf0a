"""What visitors control and what the indicators show: one state, changed only through its methods."""

from __future__ import annotations

import queue

import pytest

from installation.control.state import (
    ControlChange,
    ControlState,
    IndicatorState,
    InputKind,
    PanelEvent,
    drain_panel_events,
)
from installation.effects import Effect
from installation.explanation import LANGUAGES


def _listened(controls: ControlState) -> list[ControlChange]:
    heard: list[ControlChange] = []
    controls.subscribe(heard.append)
    return heard


# -- where faces must never be shown -------------------------------------------------------------


def test_without_allow_exposed_no_input_reaches_exposed() -> None:
    controls = ControlState(effect=Effect.EXPOSED, allow_exposed=False)
    assert controls.effect is Effect.BLUR  # a start setting it cannot have is not kept
    assert Effect.EXPOSED not in controls.effects
    heard = _listened(controls)
    controls.set_effect(Effect.EXPOSED, InputKind.TOUCH)
    assert controls.effect is Effect.BLUR and heard == []
    seen = []
    for _ in range(8):  # the panel's button cycles through the effects again and again
        PanelEvent("effect").apply(controls)
        seen.append(controls.effect)
    assert set(seen) == {Effect.BLUR, Effect.PIXELATE, Effect.SOLID}


def test_with_allow_exposed_the_effect_cycles_through_all_four_in_button_order() -> None:
    controls = ControlState()
    order = []
    for _ in range(5):
        controls.cycle_effect(InputKind.KEY)
        order.append(controls.effect)
    assert order == [Effect.PIXELATE, Effect.SOLID, Effect.EXPOSED, Effect.BLUR, Effect.PIXELATE]


# -- what listeners hear -------------------------------------------------------------------------


def test_each_real_change_is_told_once_with_where_it_came_from() -> None:
    controls = ControlState(cameras=3)
    heard = _listened(controls)
    controls.set_effect(Effect.SOLID, InputKind.TOUCH)
    controls.set_strength(0.8, InputKind.PANEL)
    controls.select_camera(2, InputKind.KEY)
    controls.set_show_boxes(True, InputKind.SYSTEM)
    controls.set_language("zh", InputKind.TOUCH)
    assert heard == [
        ControlChange("effect", Effect.SOLID, InputKind.TOUCH),
        ControlChange("strength", 0.8, InputKind.PANEL),
        ControlChange("camera", 2, InputKind.KEY),
        ControlChange("boxes", True, InputKind.SYSTEM),
        ControlChange("language", "zh", InputKind.TOUCH),
    ]


def test_a_choice_that_changes_nothing_is_not_told() -> None:
    controls = ControlState(cameras=2, strength=0.5)
    heard = _listened(controls)
    controls.set_effect(Effect.BLUR, InputKind.TOUCH)  # already
    controls.set_strength(0.5004, InputKind.PANEL)  # a knob's jitter
    controls.select_camera(0, InputKind.KEY)  # already
    controls.select_camera(5, InputKind.KEY)  # no such camera
    controls.set_show_boxes(False, InputKind.TOUCH)  # already
    controls.set_language("fr", InputKind.TOUCH)  # not offered
    assert heard == []
    assert (controls.effect, controls.strength, controls.selected, controls.language) == (
        Effect.BLUR,
        0.5,
        0,
        "en",
    )


def test_strength_stays_between_0_and_1_whatever_is_asked() -> None:
    assert ControlState(strength=3.0).strength == 1.0
    controls = ControlState()
    controls.set_strength(-0.5, InputKind.PANEL)
    assert controls.strength == 0.0
    controls.set_strength(7, InputKind.TOUCH)
    assert controls.strength == 1.0


# -- cameras and languages -----------------------------------------------------------------------


def test_next_camera_wraps_around_and_one_camera_stays_put() -> None:
    controls = ControlState(cameras=3)
    picks = []
    for _ in range(4):
        controls.next_camera(InputKind.PANEL)
        picks.append(controls.selected)
    assert picks == [1, 2, 0, 1]
    single = ControlState(cameras=0)  # a room is never without a camera to show
    heard = _listened(single)
    single.next_camera(InputKind.PANEL)
    assert single.cameras == 1 and single.selected == 0 and heard == []


def test_languages_are_the_rooms_and_a_start_language_not_offered_falls_back_to_the_first() -> None:
    assert ControlState().languages == LANGUAGES and ControlState().language == LANGUAGES[0]
    controls = ControlState(language="zh", languages=("zh",))
    assert controls.language == "zh"
    assert ControlState(language="fr").language == "en"
    both = ControlState()
    both.next_language(InputKind.TOUCH)
    both.next_language(InputKind.TOUCH)
    assert both.language == "en"


# -- the panel's events --------------------------------------------------------------------------


def test_panel_events_are_applied_in_order_on_the_drawing_thread() -> None:
    controls = ControlState(cameras=2)
    heard = _listened(controls)
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    for event in (PanelEvent("strength", 0.9), PanelEvent("camera"), PanelEvent("effect"), PanelEvent("?")):
        events.put(event)
    assert heard == []  # nothing changes until the render loop drains the queue
    assert drain_panel_events(events, controls) == 4
    assert events.empty()
    assert [(c.name, c.via) for c in heard] == [
        ("strength", InputKind.PANEL),
        ("camera", InputKind.PANEL),
        ("effect", InputKind.PANEL),
    ]
    assert (controls.strength, controls.selected, controls.effect) == (0.9, 1, Effect.PIXELATE)
    assert drain_panel_events(events, controls) == 0


# -- the indicators ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effect", "faces", "exposed"),
    [
        (Effect.EXPOSED, [0, 2], True),  # a face is shown unhidden: red
        (Effect.EXPOSED, [0, 0], False),  # nobody there: nothing is exposed
        (Effect.BLUR, [1, 3], False),  # every face hidden: green
        (Effect.SOLID, [0, 0], False),
    ],
)
def test_the_exposure_light_is_red_only_while_a_face_is_shown_unhidden(
    effect: Effect, faces: list[int], exposed: bool
) -> None:
    controls = ControlState(cameras=2, effect=effect)
    controls.select_camera(1, InputKind.TOUCH)
    state = IndicatorState.derive(controls, faces, live=False)
    assert state.exposed is exposed
    assert (state.faces, state.tally, state.cameras, state.live) == (sum(faces), 1, 2, False)


def test_indicator_states_compare_by_what_the_lights_show() -> None:
    state = IndicatorState(faces=2)
    changed = state.with_(faces=3)
    assert changed.faces == 3 and state.faces == 2  # a new state; the old one is as it was
    assert IndicatorState(faces=2, extra={"board": "ok"}) == state  # extra is not shown by a light
