"""``installation workshop``: the room with the workshop screen instead of the wall."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from installation.app import App, RoomOptions, add_screen_options, room_options
from installation.explanation import load_explanation
from installation.workshop.session import Workshop

if TYPE_CHECKING:
    from installation.config import Config
    from installation.state import IndicatorState


class WorkshopApp(App):
    """The room with the workshop screen instead of the wall.

    >>> from installation.config import demo_config                          # doctest: +SKIP
    >>> WorkshopApp(demo_config(), RoomOptions(headless=True, frames=60)).run()  # doctest: +SKIP
    0
    """

    def __init__(
        self, config: Config, options: RoomOptions, *, workshop: Workshop | None = None, **kwargs: Any
    ) -> None:
        super().__init__(config, options, **kwargs)
        self.workshop = workshop or Workshop(
            load_explanation(config.room.explain_file), allow_raise=config.effect.allow_exposed
        )
        self.observers.append(self._observe)

    def start(self) -> None:
        from installation.display.workshop import WorkshopRenderer
        from installation.state import InputKind

        super().start()
        assert self.canvas is not None and self.renderer is not None
        base = self.renderer
        self.renderer = WorkshopRenderer(
            self.feeds,
            self.controls,
            workshop=self.workshop,
            size=self.canvas.get_size(),
            board=base.board,
            target_fps=base.target_fps,
            started=self.started,
            idle_seconds=self.config.room.idle_seconds,
        )
        # The feed shows the tracker's boxes: the machine's view is the point here.
        self.controls.set_show_boxes(True, InputKind.SYSTEM)
        self._present()

    def _observe(self, app: App, state: IndicatorState, now: float) -> None:
        assert self.renderer is not None
        index = self.controls.selected
        if not 0 <= index < len(self.renderer.views):
            return
        view = self.renderer.views[index]
        faces = view.processed.faces if view.ok and view.processed is not None else None
        self.workshop.observe(index, view.seq, faces, now)


#: What the workshop assumes where its config does not say: the threshold lesson shows
#: faces the model stops finding unhidden, so exposing is allowed unless the file forbids it.
WORKSHOP_DEFAULTS = {"effect.allow_exposed": True}


def workshop_command(args: argparse.Namespace) -> int:
    from installation.config import load_config

    # A workshop runs in a window (a laptop beside the facilitator's notes) unless --fullscreen.
    options = room_options(args, live=args.config is not None, windowed=True)
    config = load_config(args.config, defaults=WORKSHOP_DEFAULTS)
    app = WorkshopApp(config, options)
    if not args.no_stats:
        from installation.stats.counter import attach_stats

        attach_stats(app)
    return app.run()


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
