"""Aiming mode: every camera on the wall with the detector's boxes and a word on the light."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from installation.app import App
    from installation.display.kiosk import AimLabel

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
        self._saved: tuple[Any, bool, bool] | None = None
        self._light: dict[tuple[int, int], tuple[float, float | None]] = {}

    def active(self, now: float) -> bool:
        return self.until is not None and now < self.until

    def start(self, app: App, now: float, seconds: float) -> None:
        assert app.renderer is not None
        if self._saved is None:
            self._saved = (app.renderer.layout, app.controls.show_boxes, app.controls.allow_exposed)
        self.until = now + seconds
        self._enforce(app)

    def _enforce(self, app: App) -> None:
        from installation.display.layout import Layout
        from installation.effects import Effect
        from installation.state import InputKind

        assert app.renderer is not None
        app.renderer.layout = Layout.GRID
        app.controls.set_show_boxes(True, InputKind.SYSTEM)
        app.controls.allow_exposed = False
        if not app.controls.effect.hides:
            app.controls.set_effect(Effect.BLUR, InputKind.SYSTEM)

    def update(self, app: App | None, now: float) -> None:
        if app is None or self.until is None:
            return
        if now >= self.until:
            self.stop(app)
        else:
            self._enforce(app)

    def stop(self, app: App | None) -> None:
        from installation.state import InputKind

        saved, self._saved, self.until = self._saved, None, None
        self._light.clear()
        if saved is not None and app is not None and app.renderer is not None:
            app.renderer.layout = saved[0]
            app.controls.set_show_boxes(saved[1], InputKind.SYSTEM)
            app.controls.allow_exposed = saved[2]

    def labels(self, app: App) -> list[tuple[Any, AimLabel]]:
        """A label for each picture on the wall: size, rate, faces, and a word on the light."""
        import numpy as np

        from installation.display.kiosk import AimLabel, light_verdict

        assert app.renderer is not None
        out = []
        for index, (processed, rect) in sorted(app.renderer.shown.items()):
            feed = app.renderer.feeds[index]
            seq = app.renderer.views[index].seq
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
            fps = float(getattr(feed.status, "fps", 0.0) or 0.0)
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
