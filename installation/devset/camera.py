"""A virtual camera: a still photo filmed into the frames of a clip, with exact ground truth.

The camera looks at a labelled photo through a *view* (where in the photo the
frame's centre is, how many frame pixels a photo pixel becomes, how far the
camera is rolled). A seeded *motion* moves the view over time: ``still``,
``pan``, ``zoom``, ``roll``, ``whip`` and ``shake``. Each frame is one
``cv2.warpAffine`` of the photo (several, averaged, when the view moves fast
enough to smear within the exposure), and each labelled face is carried
through the very same transform, so the ground truth is exact rather than
detected. A *light* condition (``normal``, ``dim``, ``compressed``) is applied
to the finished frame.

Choices worth knowing:

- Around the photo the camera sees a plain wall in the photo's own border
  colour. Reflecting the photo at its edges would put mirrored copies of its
  faces in the frame, faces no label describes, which would count against
  the pipeline as collateral and hide nothing that is scored; black bars
  would look like a frame edge to the motion guard and to the eye.
- A rolled face's box is the axis-aligned box of the face's *ellipse* (the
  ellipse inscribed in the labelled box) after the transform, not of its
  rotated rectangle: that is what a detector draws around a tilted face,
  and at 10 degrees the rectangle's box would be a sixth too large each way.
- A blurred frame's ground truth is the view at the middle of its exposure.
- When the photo shrinks a lot (more than 2:1), it is first halved with area
  averaging (a pyramid kept per photo), so small faces are not aliased.

>>> import numpy as np
>>> photo = Photo("grey", np.full((200, 300, 3), 128, np.uint8), [PhotoFace(Box(100, 50, 40, 40))])
>>> shot = Shot(photo, motion="still", light="normal", face_px=80, seconds=0.2, size=(320, 180), seed=1)
>>> frames = list(shot.frames())
>>> len(frames), frames[0].image.shape, round(frames[0].faces[0].box.h)
(6, (180, 320, 3), 80)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from installation.geometry import Box

#: Motions the camera can make, each a seeded generator of views over time.
MOTIONS = ("still", "pan", "zoom", "roll", "whip", "shake")
#: What happens to the picture after it is filmed.
LIGHTS = ("normal", "dim", "compressed")
#: Face height bands (pixels) the rendered set must cover, as ``(low, high)``.
SIZE_BANDS: tuple[tuple[float, float], ...] = ((0, 24), (24, 48), (48, 96), (96, 192), (192, math.inf))

#: Fraction of the frame interval the shutter is open (a 180 degree shutter).
SHUTTER = 0.5
#: Most sub-frame warps averaged into one blurred frame.
MAX_SUBFRAMES = 9
#: A sub-frame is added per this many pixels of smear within the exposure.
SMEAR_STEP_PX = 3.0


def band_name(height: float) -> str:
    """The size band a face of ``height`` pixels falls in.

    >>> band_name(12), band_name(24), band_name(100), band_name(500)
    ('<24', '24-48', '96-192', '>=192')
    """
    for low, high in SIZE_BANDS:
        if low <= height < high:
            if low == 0:
                return f"<{high:g}"
            if math.isinf(high):
                return f">={low:g}"
            return f"{low:g}-{high:g}"
    raise ValueError(f"face height {height}: not a size")


BAND_NAMES = tuple(band_name(low if low else 1) for low, _ in SIZE_BANDS)


@dataclass(frozen=True)
class PhotoFace:
    """A labelled face in an upright photo: ``box`` brow to chin, cheek to cheek, in photo pixels."""

    box: Box
    masked: bool = False
    occluded: float = 0.0
    yaw: float = 0.0


@dataclass
class Photo:
    """A labelled still: the BGR image and its faces. ``source`` names where it came from."""

    id: str
    image: np.ndarray
    faces: list[PhotoFace]
    source: str = ""

    @cached_property
    def wall(self) -> tuple[float, float, float]:
        """The colour the camera sees around the photo: the median of its outermost pixels."""
        img = self.image
        ring = np.concatenate(
            [
                img[:2].reshape(-1, 3),
                img[-2:].reshape(-1, 3),
                img[:, :2].reshape(-1, 3),
                img[:, -2:].reshape(-1, 3),
            ]
        )
        b, g, r = np.median(ring, axis=0)
        return float(b), float(g), float(r)

    def level(self, k: int) -> np.ndarray:
        """The photo halved ``k`` times with area averaging (cached)."""
        pyramid = self.__dict__.setdefault("_pyramid", [self.image])
        while len(pyramid) <= k:
            prev = pyramid[-1]
            h, w = prev.shape[:2]
            pyramid.append(cv2.resize(prev, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA))
        return pyramid[k]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class View:
    """Where the camera looks: photo point ``(cx, cy)`` at the frame's centre, ``scale`` frame pixels
    per photo pixel, ``roll`` degrees (positive turns the picture clockwise on screen)."""

    cx: float
    cy: float
    scale: float
    roll: float = 0.0

    def matrix(self, size: tuple[int, int]) -> np.ndarray:
        """The 2x3 affine map from photo pixels to frame pixels.

        >>> View(50, 40, 2.0).matrix((200, 100)) @ np.array([50, 40, 1.0])
        array([100.,  50.])
        """
        w, h = size
        a = math.radians(self.roll)
        c, s = self.scale * math.cos(a), self.scale * math.sin(a)
        # Rotate and scale about the photo point, then put it at the frame centre.
        return np.array(
            [
                [c, -s, w / 2 - (c * self.cx - s * self.cy)],
                [s, c, h / 2 - (s * self.cx + c * self.cy)],
            ]
        )


def map_box(box: Box, matrix: np.ndarray) -> Box:
    """The axis-aligned box of the ellipse inscribed in ``box`` after the affine ``matrix``.

    For no roll this is the box's own corners mapped; for a rolled view it is
    the box of the tilted face's outline rather than of its tilted rectangle.

    >>> map_box(Box(10, 20, 40, 20), View(30, 30, 1.0).matrix((60, 60)))
    Box(x=10.0, y=20.0, w=40.0, h=20.0)
    """
    a, b = box.w / 2, box.h / 2
    m = matrix
    cx = m[0, 0] * box.cx + m[0, 1] * box.cy + m[0, 2]
    cy = m[1, 0] * box.cx + m[1, 1] * box.cy + m[1, 2]
    hx = math.hypot(m[0, 0] * a, m[0, 1] * b)
    hy = math.hypot(m[1, 0] * a, m[1, 1] * b)
    return Box(float(cx - hx), float(cy - hy), float(2 * hx), float(2 * hy))


@dataclass(frozen=True)
class FilmedFace:
    """One labelled face in one frame: ``track`` is its index in the photo's faces (from 1)."""

    track: int
    box: Box
    outside: float
    occluded: float
    masked: bool
    yaw: float

    def as_truth(self) -> dict[str, object]:
        """The face as an entry of a ground-truth ``frames`` list (``assets/footage`` format)."""
        return {
            "track": self.track,
            "box": [round(v, 1) for v in (self.box.x, self.box.y, self.box.w, self.box.h)],
            "occluded": round(self.occluded, 3),
            "outside": round(self.outside, 3),
            "yaw": round(self.yaw),
        }


@dataclass
class FilmedFrame:
    index: int
    timestamp: float
    image: np.ndarray
    view: View
    faces: list[FilmedFace]


def faces_in_view(photo: Photo, matrix: np.ndarray, size: tuple[int, int]) -> list[FilmedFace]:
    """Every labelled face mapped into the frame; faces wholly out of view are left out."""
    w, h = size
    out = []
    for i, face in enumerate(photo.faces, start=1):
        box = map_box(face.box, matrix)
        inside = box.clipped(w, h).area
        if inside <= 0.0:
            continue
        outside = max(0.0, 1.0 - inside / box.area) if box.area else 1.0
        out.append(
            FilmedFace(i, box, outside if outside > 1e-6 else 0.0, face.occluded, face.masked, face.yaw)
        )
    return out


# -- motions -------------------------------------------------------------------------------


class Motion:
    """A seeded path of the view over time. ``home`` is the view the motion moves about."""

    def __init__(self, home: View, seconds: float, rng: np.random.Generator) -> None:
        self.home = home
        self.seconds = seconds
        self.rng = rng

    def at(self, t: float) -> View:
        return self.home


class Pan(Motion):
    """A slow, steady pan (20 to 80 frame pixels a second) across the face, in a seeded direction."""

    def __init__(self, home: View, seconds: float, rng: np.random.Generator) -> None:
        super().__init__(home, seconds, rng)
        speed = rng.uniform(20.0, 80.0) / home.scale  # photo pixels per second
        angle = rng.uniform(0, 2 * math.pi)
        self.vx, self.vy = speed * math.cos(angle), speed * math.sin(angle)

    def at(self, t: float) -> View:
        u = t - self.seconds / 2
        return View(self.home.cx + self.vx * u, self.home.cy + self.vy * u, self.home.scale, self.home.roll)


class Zoom(Motion):
    """Zooms in and out about the home view: up to 1.5 to 2 times each way, one smooth cycle."""

    def __init__(self, home: View, seconds: float, rng: np.random.Generator) -> None:
        super().__init__(home, seconds, rng)
        self.span = math.log(rng.uniform(1.5, 2.0))
        self.sign = 1.0 if rng.random() < 0.5 else -1.0

    def at(self, t: float) -> View:
        k = math.exp(self.sign * self.span * math.sin(2 * math.pi * t / self.seconds))
        return View(self.home.cx, self.home.cy, self.home.scale * k, self.home.roll)


class Roll(Motion):
    """Rolls the camera to about +-10 degrees and back."""

    def __init__(self, home: View, seconds: float, rng: np.random.Generator) -> None:
        super().__init__(home, seconds, rng)
        self.amplitude = rng.uniform(8.0, 10.0) * (1.0 if rng.random() < 0.5 else -1.0)

    def at(self, t: float) -> View:
        roll = self.amplitude * math.sin(2 * math.pi * t / self.seconds)
        return View(self.home.cx, self.home.cy, self.home.scale, roll)


class Whip(Motion):
    """Still stretches broken by whip pans: 0.3 s at a mean of 1500 to 2500 frame pixels a second,
    away from the home view at a third of the clip and back at two thirds."""

    DURATION = 0.3

    def __init__(self, home: View, seconds: float, rng: np.random.Generator) -> None:
        super().__init__(home, seconds, rng)
        distance = rng.uniform(1500.0, 2500.0) * self.DURATION / home.scale
        angle = rng.uniform(-0.3, 0.3) + (0.0 if rng.random() < 0.5 else math.pi)
        self.dx, self.dy = distance * math.cos(angle), distance * math.sin(angle)
        self.starts = (seconds / 3, 2 * seconds / 3)

    def _progress(self, t: float) -> float:
        def ease(u: float) -> float:
            u = min(1.0, max(0.0, u))
            return 0.5 - 0.5 * math.cos(math.pi * u)

        out, back = self.starts
        return ease((t - out) / self.DURATION) - ease((t - back) / self.DURATION)

    def at(self, t: float) -> View:
        p = self._progress(t)
        return View(self.home.cx + self.dx * p, self.home.cy + self.dy * p, self.home.scale, self.home.roll)


class Shake(Motion):
    """Handheld jitter: a few seeded sways of 0.7 to 6 Hz, some 4 to 12 frame pixels and a degree of roll."""

    def __init__(self, home: View, seconds: float, rng: np.random.Generator) -> None:
        super().__init__(home, seconds, rng)
        amplitude = rng.uniform(4.0, 12.0) / home.scale
        self.waves = [
            (
                rng.uniform(0.7, 6.0),
                rng.uniform(0, 2 * math.pi),
                rng.uniform(0, 2 * math.pi),
                amplitude / (k + 1),
            )
            for k in range(4)
        ]
        self.roll_waves = [(rng.uniform(0.5, 3.0), rng.uniform(0, 2 * math.pi)) for _ in range(2)]

    def at(self, t: float) -> View:
        dx = sum(a * math.sin(2 * math.pi * f * t + px) for f, px, _, a in self.waves)
        dy = sum(a * math.sin(2 * math.pi * f * t + py) for f, _, py, a in self.waves)
        roll = sum(0.6 * math.sin(2 * math.pi * f * t + p) for f, p in self.roll_waves)
        return View(self.home.cx + dx, self.home.cy + dy, self.home.scale, self.home.roll + roll)


_MOTIONS: dict[str, type[Motion]] = {
    "still": Motion,
    "pan": Pan,
    "zoom": Zoom,
    "roll": Roll,
    "whip": Whip,
    "shake": Shake,
}


# -- light ---------------------------------------------------------------------------------


class Light:
    """What the sensor and encoder do to a finished frame (``normal``: nothing)."""

    GAMMA = 2.2

    def __init__(self, name: str, rng: np.random.Generator, seed: int = 0) -> None:
        if name not in LIGHTS:
            raise ValueError(f"light {name!r}: expected one of {', '.join(LIGHTS)}")
        self.name = name
        self.seed = seed
        self.exposure = 0.3
        self.noise = rng.uniform(8.0, 12.0)
        self.flicker_phase = rng.uniform(0, 2 * math.pi)
        self.quality = int(rng.integers(25, 36))

    def apply(self, image: np.ndarray, t: float, index: int = 0) -> np.ndarray:
        """``image`` as the sensor and encoder leave it at time ``t``; the noise of frame ``index``
        is its own seeded draw, so any frame can be rendered alone and comes out the same."""
        if self.name == "dim":
            # 30 % exposure with a 2 Hz mains-like flicker of +-15 %, in linear light; the
            # camera's gain noise is then added to the encoded picture, where a dim sensor
            # pushed up by its gain shows it.
            gain = self.exposure * (1.0 + 0.15 * math.sin(2 * math.pi * 2.0 * t + self.flicker_phase))
            encoded = np.arange(256, dtype=np.float32) / 255.0
            table = np.clip(255.0 * (encoded**self.GAMMA * gain) ** (1 / self.GAMMA), 0, 255)
            dim = cv2.LUT(image, table.astype(np.uint8)).astype(np.float32)
            noise = np.random.default_rng((self.seed, index)).standard_normal(image.shape, dtype=np.float32)
            dim += noise * np.float32(self.noise)
            return np.clip(dim + 0.5, 0, 255).astype(np.uint8)
        if self.name == "compressed":
            ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            return cv2.imdecode(data, cv2.IMREAD_COLOR)
        return image

    def describe(self) -> dict[str, str]:
        """The condition's light and compression, as the ground truth records them."""
        if self.name == "compressed":
            return {"light": "normal", "compression": f"jpeg{self.quality}"}
        return {"light": self.name, "compression": "none"}


# -- the camera ----------------------------------------------------------------------------


@dataclass
class Shot:
    """One clip of one photo: a motion and a light, the face size it aims for, seeded.

    ``face_px`` is the height (frame pixels) the photo's ``target`` face has
    in the home view; other faces scale with it. ``offset`` (fractions of the
    frame) places the target face away from the frame's centre.
    """

    photo: Photo
    motion: str = "still"
    light: str = "normal"
    face_px: float = 96.0
    seconds: float = 5.0
    fps: float = 30.0
    size: tuple[int, int] = (1280, 720)
    seed: int = 0
    target: int = 0
    offset: tuple[float, float] | None = None
    _rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.motion not in _MOTIONS:
            raise ValueError(f"motion {self.motion!r}: expected one of {', '.join(MOTIONS)}")
        if not self.photo.faces:
            raise ValueError(f"photo {self.photo.id}: no labelled face to aim at")
        self._rng = np.random.default_rng(self.seed)
        face = self.photo.faces[self.target].box
        scale = self.face_px / face.h
        w, h = self.size
        if self.offset is None:
            self.offset = (float(self._rng.uniform(-0.15, 0.15)), float(self._rng.uniform(-0.12, 0.12)))
        ox, oy = self.offset
        # The face sits at (centre + offset) of the frame: the view's centre is the other way.
        home = View(face.cx - ox * w / scale, face.cy - oy * h / scale, scale)
        self.path = _MOTIONS[self.motion](home, self.seconds, self._rng)
        self.lighting = Light(self.light, self._rng, self.seed)

    @property
    def frame_count(self) -> int:
        return max(1, round(self.seconds * self.fps))

    def condition(self) -> dict[str, str]:
        return {"motion": self.motion, **self.lighting.describe()}

    def _warp(self, view: View) -> np.ndarray:
        matrix = view.matrix(self.size)
        # Shrinking by more than 2:1: warp from a pyramid level that is at most 2:1 away.
        k = 0
        while view.scale * 2 ** (k + 1) <= 1.0 and min(self.photo.level(k).shape[:2]) > 8:
            k += 1
        if k:
            matrix = matrix.copy()
            # A pixel centre of level k sits at photo 2^k * (x + 0.5) - 0.5.
            # Pixel u of level k covers photo pixels 2^k u .. 2^k (u + 1): its centre is at
            # photo 2^k u + (2^k - 1) / 2.
            shift = (2**k - 1) / 2
            matrix[:, 2] += matrix[:, :2] @ np.array([shift, shift]) / 2**k
            matrix[:, :2] *= 2**k
        return cv2.warpAffine(
            self.photo.level(k),
            matrix,
            self.size,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=self.photo.wall,
        )

    def _smear(self, a: View, b: View) -> float:
        """How far (frame pixels) any corner of the frame moves from view ``a`` to ``b``."""
        w, h = self.size
        inv_a = cv2.invertAffineTransform(a.matrix(self.size))
        mb = b.matrix(self.size)
        worst = 0.0
        for x, y in ((0, 0), (w, 0), (0, h), (w, h), (w / 2, h / 2)):
            p = inv_a @ np.array([x, y, 1.0])
            q = mb @ np.array([p[0], p[1], 1.0])
            worst = max(worst, math.hypot(q[0] - x, q[1] - y))
        return worst

    def render(self, index: int) -> FilmedFrame:
        """Frame ``index``: the view at the middle of its exposure, blurred over the exposure."""
        t = index / self.fps
        exposure = SHUTTER / self.fps
        start, end = self.path.at(t - exposure / 2), self.path.at(t + exposure / 2)
        view = self.path.at(t)
        n = min(MAX_SUBFRAMES, max(1, math.ceil(self._smear(start, end) / SMEAR_STEP_PX)))
        if n == 1:
            image = self._warp(view)
        else:
            acc = np.zeros((self.size[1], self.size[0], 3), np.float32)
            for k in range(n):
                acc += self._warp(self.path.at(t - exposure / 2 + exposure * (k + 0.5) / n))
            image = np.clip(acc / n + 0.5, 0, 255).astype(np.uint8)
        image = self.lighting.apply(image, t, index)
        return FilmedFrame(
            index, t, image, view, faces_in_view(self.photo, view.matrix(self.size), self.size)
        )

    def frames(self) -> Iterator[FilmedFrame]:
        """Every frame in order. Seeded: the same shot gives the same frames, bit for bit."""
        for i in range(self.frame_count):
            yield self.render(i)
