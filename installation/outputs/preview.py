"""The recording window: what is being written, with the red recording mark. Esc or closing it stops."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from installation.frames import Processed

if TYPE_CHECKING:
    import pygame

    from installation.display.fonts import Fonts


class PreviewSink:
    """A window showing each processed picture under the red "recording" mark with the time recorded.

    The window opens with the first picture (or :meth:`open`) and closes with
    the run. ``seconds`` is how long the whole recording is to be; the time
    recorded is counted from the first frame's time. When the person at the
    window presses Esc or q or closes it, :meth:`write` raises
    ``KeyboardInterrupt``: the run stops as on Ctrl-C, and keeps nothing.
    ``headless`` draws into pygame's dummy driver (tests, screenshots).
    """

    def __init__(
        self,
        label: str,
        *,
        seconds: float,
        size: tuple[int, int] | None = None,
        headless: bool = False,
    ) -> None:
        self.label = label
        self.seconds = seconds
        self.size = size or (960, 540)
        self.headless = headless
        #: True once the person at the window asked to stop.
        self.cancelled = False
        self.screen: pygame.Surface | None = None
        self._start: float | None = None
        self._fonts: Fonts | None = None

    def open(self) -> pygame.Surface:
        """Open the window (once); raises ``DisplayError`` where no screen can be reached."""
        if self.screen is None:
            from installation.display.fonts import Fonts
            from installation.display.screen import open_screen

            self.screen = open_screen(
                window=True, size=self.size, headless=self.headless, title="Monitoring Room: recording"
            )
            self._fonts = Fonts(self.screen.get_height() / 1080 * 1.6)
        return self.screen

    def write(self, processed: Processed) -> None:
        if self._start is None:
            self._start = processed.frame.timestamp
        elapsed = min(self.seconds, processed.frame.timestamp - self._start)
        if not self.show(processed.image, elapsed, self.seconds):
            raise KeyboardInterrupt

    def show(self, image: np.ndarray, elapsed: float, total: float) -> bool:
        """Draw one picture with the mark saying ``elapsed`` of ``total`` seconds; False once the
        person at the window asked to stop."""
        import pygame

        from installation.display.layout import fit
        from installation.display.monitor import to_surface
        from installation.display.widgets import BACKGROUND
        from installation.display.workshop import draw_recording_mark

        screen = self.open()
        assert self._fonts is not None
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (
                event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q)
            ):
                self.cancelled = True
        screen.fill(BACKGROUND)
        h, w = image.shape[:2]
        rect = fit(w, h, screen.get_rect())
        surface, _pixels = to_surface(image, rect.size)
        screen.blit(surface, rect)
        draw_recording_mark(screen, self._fonts, self.label, elapsed, total, time.monotonic())
        pygame.display.flip()
        return not self.cancelled

    def finish(self) -> None:
        pass

    def close(self) -> None:
        """Close the window (if it opened)."""
        if self.screen is not None:
            import pygame

            pygame.display.quit()
            self.screen = None

    def abort(self) -> None:
        self.close()
