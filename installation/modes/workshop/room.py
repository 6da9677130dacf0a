"""The workshop's room: the workshop screen instead of the wall, and the challenge timed frame by frame."""

from __future__ import annotations

import queue
from collections.abc import Sequence
from typing import TYPE_CHECKING

from installation.control.state import InputKind
from installation.explanation import load_explanation
from installation.modes.workshop.session import Workshop
from installation.room import FeedFactory, Overlay, Room, RoomOptions

if TYPE_CHECKING:
    from installation.config import Config
    from installation.control.state import IndicatorState, PanelEvent
    from installation.display.workshop import WorkshopRenderer
    from installation.pipeline.feeds import LiveFeed


class WorkshopRoom(Room):
    """The room with the workshop screen instead of the wall.

    >>> from installation.config import demo_config                            # doctest: +SKIP
    >>> WorkshopRoom(demo_config(), RoomOptions(headless=True, frames=60)).run()  # doctest: +SKIP
    0
    """

    def __init__(
        self,
        config: Config,
        options: RoomOptions,
        *,
        workshop: Workshop | None = None,
        feeds: Sequence[LiveFeed] | None = None,
        make_feeds: FeedFactory | None = None,
        events: queue.SimpleQueue[PanelEvent] | None = None,
        overlays: Sequence[Overlay] = (),
    ) -> None:
        super().__init__(
            config, options, feeds=feeds, make_feeds=make_feeds, events=events, overlays=overlays
        )
        self.workshop = workshop or Workshop(
            load_explanation(config.room.explain_file), allow_raise=config.effect.allow_exposed
        )
        # The feed shows the tracker's boxes: the machine's view is the point here.
        self.controls.set_show_boxes(True, InputKind.SYSTEM)
        self.listen(Challenge(self))

    def make_renderer(self) -> WorkshopRenderer:
        from installation.display.workshop import WorkshopRenderer

        assert self.model is not None and self.canvas is not None
        return WorkshopRenderer(
            self.model,
            workshop=self.workshop,
            size=self.canvas.get_size(),
            board=self.board,
            performance=self.performance,
        )


class Challenge:
    """Times the evasion challenge on the watched camera, frame by frame."""

    def __init__(self, room: WorkshopRoom) -> None:
        self.room = room

    def indicators(self, state: IndicatorState) -> None:
        pass

    def shown(self, state: IndicatorState, now: float) -> None:
        model = self.room.model
        assert model is not None
        index = self.room.controls.selected
        if not 0 <= index < len(model.views):
            return
        view = model.views[index]
        faces = view.processed.faces if view.ok and view.processed is not None else None
        self.room.workshop.observe(index, view.seq, faces, now)

    def closing(self) -> None:
        pass


#: What the workshop assumes where its config does not say: the threshold lesson shows
#: faces the model stops finding unhidden, so exposing is allowed unless the file forbids it.
WORKSHOP_DEFAULTS = {"effect.allow_exposed": True}
