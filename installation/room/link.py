"""The physical indicator panel as one of the room's listeners."""

from __future__ import annotations

import logging
import queue
from typing import TYPE_CHECKING

from installation.errors import InstallationError

if TYPE_CHECKING:
    from installation.control.state import IndicatorState, PanelEvent
    from installation.hardware import PanelLink

log = logging.getLogger(__name__)


def open_panel_link(port: str, events: queue.SimpleQueue[PanelEvent]) -> PanelLink | None:
    """The serial link to the indicator panel, or ``None`` when there is none.

    ``None`` when ``port`` is ``"none"``, when the hardware module is not
    installed, or when the link cannot start; the room runs on without it
    and the on-screen panel says "no board".

    >>> open_panel_link("none", queue.SimpleQueue()) is None
    True
    """
    if not port or port == "none":
        return None
    try:
        from installation.hardware import PanelLink
    except ImportError as exc:
        log.warning("hardware.port = %r, but the hardware link is unavailable (%s)", port, exc)
        return None
    try:
        link = PanelLink(port, events=events)
        link.start()
    except (InstallationError, OSError, ValueError) as exc:
        log.error("indicator panel on %r: %s; running without it", port, exc)
        return None
    return link


def board_status(link: PanelLink | None) -> tuple[bool, str]:
    """Whether the board is connected, and what its link says (for the on-screen panel)."""
    if link is None:
        return False, ""
    status = link.status
    return status.connected, status.text


class PanelLinkListener:
    """Mirrors the room's indicator state to the board every frame, and stops the link when the room closes.

    The board must never stop the room: what goes wrong on the link is logged.
    """

    def __init__(self, link: PanelLink) -> None:
        self.link = link

    def indicators(self, state: IndicatorState) -> None:
        try:
            self.link.show(state)
        except Exception as exc:  # noqa: BLE001 - the board must never stop the room
            log.debug("indicator panel: %s", exc)

    def shown(self, state: IndicatorState, now: float) -> None:
        pass

    def closing(self) -> None:
        try:
            self.link.stop()
        except Exception as exc:  # noqa: BLE001
            log.warning("indicator panel: %s while stopping", exc)
