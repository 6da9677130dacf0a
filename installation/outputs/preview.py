"""The preview window: what is being written as it is made. ``record`` shows it under the red
recording mark, and Esc or closing it stops the recording; ``anonymize --preview`` shows it with
the file's name and time, and Esc or closing it closes the window only."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import numpy as np

from installation.frames import Processed

if TYPE_CHECKING:
    import pygame

    from installation.display.fonts import Fonts

log = logging.getLogger(__name__)


class PreviewSink:
    """A window showing each processed picture, with ``label`` and the time written so far.

    The window opens with the first picture (or :meth:`open`) and closes with
    the run. ``seconds`` is how long the whole clip is to be; the time is
    counted from the first frame's time. ``recording``: the red "recording"
    mark and a red frame round the window, as while a camera is recorded;
    otherwise a plain caption. When the person at the window presses Esc or
    q or closes it, with ``closing_stops`` :meth:`write` raises
    ``KeyboardInterrupt`` (the run stops as on Ctrl-C, and keeps nothing);
    without, the window closes and the run goes on. ``max_fps`` draws at most
    that many pictures a second of the wall clock (None: every one): a run
    faster than a screen is not slowed to draw what nobody can see.
    ``headless`` draws into pygame's dummy driver (tests, screenshots).
    """

    def __init__(
        self,
        label: str,
        *,
        seconds: float,
        size: tuple[int, int] | None = None,
        headless: bool = False,
        recording: bool = True,
        closing_stops: bool = True,
        max_fps: float | None = None,
    ) -> None:
        self.label = label
        self.seconds = seconds
        self.size = size or (960, 540)
        self.headless = headless
        self.recording = recording
        self.closing_stops = closing_stops
        self.max_fps = max_fps
        #: True once the person at the window asked to stop.
        self.cancelled = False
        #: Pictures drawn so far.
        self.shown = 0
        self.screen: pygame.Surface | None = None
        self._start: float | None = None
        self._drawn_at: float | None = None
        self._fonts: Fonts | None = None

    def open(self) -> pygame.Surface:
        """Open the window (once); raises ``DisplayError`` where no screen can be reached."""
        if self.screen is None:
            from installation.display.fonts import Fonts
            from installation.display.screen import open_screen

            title = "Monitoring Room: recording" if self.recording else "Monitoring Room: preview"
            self.screen = open_screen(window=True, size=self.size, headless=self.headless, title=title)
            self._fonts = Fonts(self.screen.get_height() / 1080 * 1.6)
        return self.screen

    def begin(self, label: str, seconds: float) -> None:
        """The next pictures are of another clip: ``label``, ``seconds`` long, timed from its first."""
        self.label, self.seconds, self._start = label, seconds, None

    def write(self, processed: Processed) -> None:
        if self._start is None:
            self._start = processed.frame.timestamp
        if self.cancelled:
            return  # closed by the person at it, the run going on
        now = time.monotonic()
        if self.max_fps and self._drawn_at is not None and now - self._drawn_at < 1.0 / self.max_fps:
            self._events()
            if not self.cancelled:
                return
        else:
            elapsed = min(self.seconds, processed.frame.timestamp - self._start)
            self._drawn_at = now
            if self.show(processed.image, elapsed, self.seconds):
                return
        if self.closing_stops:
            raise KeyboardInterrupt
        self.close()
        log.info("preview closed: the run goes on (Ctrl-C stops it)")

    def _events(self) -> None:
        """Take the window's events: Esc, q or closing it asks to stop."""
        import pygame

        for event in pygame.event.get():
            if event.type == pygame.QUIT or (
                event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q)
            ):
                self.cancelled = True

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
        self._events()
        screen.fill(BACKGROUND)
        h, w = image.shape[:2]
        rect = fit(w, h, screen.get_rect())
        surface, _pixels = to_surface(image, rect.size)
        screen.blit(surface, rect)
        if self.recording:
            draw_recording_mark(screen, self._fonts, self.label, elapsed, total, time.monotonic())
        else:
            _draw_caption(screen, self._fonts, self.label, elapsed, total)
        pygame.display.flip()
        self.shown += 1
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


def _draw_caption(surface: pygame.Surface, fonts: Fonts, label: str, elapsed: float, total: float) -> None:
    """The clip's name and the time written so far, small, in the bottom left corner: over the
    picture's least busy part in most footage, and clear of faces at eye height."""
    import pygame

    from installation.display.widgets import INK, TEXT

    words = fonts.text(f"{label}   {elapsed:5.1f} / {total:.1f} s", 22, TEXT, mono=True)
    pad = fonts.px(10)
    box = pygame.Rect(pad, surface.get_height() - words.get_height() - 3 * pad, 0, 0)
    box.size = (words.get_width() + 2 * pad, words.get_height() + 2 * pad)
    pygame.draw.rect(surface, INK, box, border_radius=max(2, fonts.px(6)))
    surface.blit(words, words.get_rect(midleft=(box.left + pad, box.centery)))
