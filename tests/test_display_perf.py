"""The facilitator's figures (installation/display/perf.py): how the screen and each camera keep up."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from installation.control.model import RoomModel
from installation.control.state import ControlState
from installation.display.perf import Performance
from installation.pipeline.fakes import FakeFeed

if TYPE_CHECKING:
    from installation.frames import Processed

#: The ``still_pictures`` fixture.
Pictures = Callable[..., Callable[[int], "Processed"]]


def _performance(still_pictures: Pictures, thumbnail_rate: float) -> dict[str, object]:
    """Three seconds of a focused room: the large camera at 30, a thumbnail limited to 10 a second.

    Both are captured at 30 fps; their results arrive at their rate a second of the test's clock.
    """
    controls = ControlState(cameras=2)
    large, thumb = FakeFeed("Large", max_fps=None), FakeFeed("Thumb", max_fps=10)
    paced = [
        (large, 30.0, still_pictures("Large", controls)),
        (thumb, thumbnail_rate, still_pictures("Thumb", controls)),
    ]
    model = RoomModel([large, thumb], controls, started=0.0)
    performance = Performance(model)
    arrived: dict[str, int] = {}
    for step in range(181):
        now = step / 60
        for feed, rate, picture in paced:
            due = int(now * rate)
            if arrived.get(feed.name) != due:
                arrived[feed.name] = due
                feed.publish(picture(feed.latest()[0] + 1))
        model.update(now)
        performance.results(now)
    return performance.figures(now)


def test_a_thumbnail_analysed_at_its_intended_rate_is_not_behind(still_pictures: Pictures) -> None:
    """The facilitator's figures (key F, the kiosk's panel) measure a thumbnail against the rate the
    room gives it, not the camera's capture rate."""
    perf = _performance(still_pictures, 10)
    cams = perf["cameras"]
    assert not any(c["behind"] for c in cams) and perf["keeping_up"]  # type: ignore[attr-defined]
    assert [round(c["intended_fps"]) for c in cams] == [30, 10]  # type: ignore[attr-defined]
    slow = _performance(still_pictures, 5)  # a thumbnail that cannot keep even its own rate is still reported
    assert [c["behind"] for c in slow["cameras"]] == [False, True]  # type: ignore[attr-defined]
    assert not slow["keeping_up"]
