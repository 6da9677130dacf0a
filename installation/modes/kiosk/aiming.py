"""Aiming mode: every camera on the wall with the detector's boxes and a word on the light."""

from __future__ import annotations

import numpy as np
from pygame import Rect

from installation.control.state import InputKind
from installation.display.kiosk import AimLabel, light_verdict
from installation.display.layout import Layout
from installation.room import Room

#: Aiming mode's length when the facilitator asks for it and ``kiosk.aim_seconds`` is 0.
AIM_SECONDS = 20.0


class Aiming:
    """Every camera large enough to aim, with the detector's boxes, for a few seconds.

    While it lasts the wall shows the grid with the machine's view on and an
    effect that hides faces ("exposed" cannot be chosen); afterwards the
    layout, the machine view and the choice of "exposed" are put back.
    """

    def __init__(self) -> None:
        self.until: float | None = None
        self._saved: tuple[Layout, bool, bool] | None = None
        self._light: dict[tuple[int, int], tuple[float, float | None]] = {}

    def active(self, now: float) -> bool:
        return self.until is not None and now < self.until

    def start(self, room: Room, now: float, seconds: float) -> None:
        if self._saved is None:
            self._saved = (room.layout, room.controls.show_boxes, room.exposed_allowed)
        self.until = now + seconds
        self._enforce(room)

    def _enforce(self, room: Room) -> None:
        room.set_layout(Layout.GRID)
        room.controls.set_show_boxes(True, InputKind.SYSTEM)
        room.allow_exposed(False)

    def update(self, room: Room | None, now: float) -> None:
        if room is None or self.until is None:
            return
        if now >= self.until:
            self.stop(room)
        else:
            self._enforce(room)

    def stop(self, room: Room | None) -> None:
        saved, self._saved, self.until = self._saved, None, None
        self._light.clear()
        if saved is not None and room is not None and room.renderer is not None:
            room.set_layout(saved[0])
            room.controls.set_show_boxes(saved[1], InputKind.SYSTEM)
            room.allow_exposed(saved[2])

    def labels(self, room: Room) -> list[tuple[Rect, AimLabel]]:
        """A label for each picture on the wall: size, rate, faces, and a word on the light."""
        assert room.renderer is not None and room.model is not None
        out = []
        for index, (processed, rect) in sorted(room.renderer.shown.items()):
            feed = room.feeds[index]
            seq = room.model.views[index].seq
            light = self._light.get((index, seq))
            if light is None:
                # measured on the camera's own picture, which never leaves the process
                grey = processed.frame.image[::8, ::8].mean(axis=2)
                h, w = grey.shape
                face_means = []
                for face in processed.faces:
                    x0, y0, x1, y1 = face.box.scaled(0.8).pixel_bounds(w * 8, h * 8)
                    patch = grey[y0 // 8 : max(y0 // 8 + 1, y1 // 8), x0 // 8 : max(x0 // 8 + 1, x1 // 8)]
                    face_means.append(float(patch.mean()))
                light = (float(np.mean(grey)), float(np.mean(face_means)) if face_means else None)
                self._light = {k: v for k, v in self._light.items() if k[0] != index}
                self._light[(index, seq)] = light
            verdict = light_verdict(*light)
            fps = feed.status.fps
            image = processed.image
            out.append(
                (
                    rect,
                    AimLabel(
                        name=feed.name,
                        size=(image.shape[1], image.shape[0]),
                        fps=fps,
                        faces=len(processed.faces),
                        light=light[0],
                        verdict=verdict,
                        good=verdict == "kiosk.light_ok",
                    ),
                )
            )
        return out
