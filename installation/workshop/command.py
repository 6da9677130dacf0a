"""``installation workshop``: the room with the workshop screen instead of the wall."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from installation.app import add_screen_options, room_options
from installation.control.state import InputKind
from installation.explanation import load_explanation
from installation.room import Room, RoomOptions
from installation.workshop.session import Workshop

if TYPE_CHECKING:
    from installation.config import Config
    from installation.control.state import IndicatorState
    from installation.display.workshop import WorkshopRenderer


class WorkshopRoom(Room):
    """The room with the workshop screen instead of the wall.

    >>> from installation.config import demo_config                            # doctest: +SKIP
    >>> WorkshopRoom(demo_config(), RoomOptions(headless=True, frames=60)).run()  # doctest: +SKIP
    0
    """

    def __init__(
        self, config: Config, options: RoomOptions, *, workshop: Workshop | None = None, **kwargs: Any
    ) -> None:
        super().__init__(config, options, **kwargs)
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


def workshop_command(args: argparse.Namespace) -> int:
    from installation.config import load_config

    # A workshop runs in a window (a laptop beside the facilitator's notes) unless --fullscreen.
    options = room_options(args, live=args.config is not None, windowed=True)
    config = load_config(args.config, defaults=WORKSHOP_DEFAULTS)
    room = WorkshopRoom(config, options)
    if not args.no_stats:
        from installation.stats.counter import attach_stats

        attach_stats(room)
    return room.run()


def register(subparsers: Any) -> None:
    """Add ``workshop`` to the ``installation`` command's sub-parsers."""
    summary = "open the workshop screen: what the model sees, a live threshold, the evasion challenge"
    p = subparsers.add_parser(
        "workshop", help=summary, description=summary + ". In a window unless --fullscreen."
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the installation's TOML config (default: the bundled demo footage)",
    )
    add_screen_options(p, windowed=True)
    p.add_argument("--no-stats", action="store_true", help="do not count anonymous statistics for this run")
    p.set_defaults(func=workshop_command)
