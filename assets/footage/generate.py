"""Render the bundled demo footage and its ground truth.

Run from the repository root::

    .venv/bin/python assets/footage/generate.py            # all clips
    .venv/bin/python assets/footage/generate.py hall kiosk # some clips
    .venv/bin/python assets/footage/generate.py --measure  # re-measure the photo face boxes

Every clip is a drawn CCTV-like room with people cut out of two public-domain
photos that ship with installed packages (scikit-image's ``astronaut`` and
matplotlib's ``grace_hopper``). People stand on a ground plane seen by a
pinhole camera, so size follows distance. Each face box in the ground truth is
the photo's face box mapped through exactly the transform used to draw it.
Everything is seeded: the same library versions give the same files.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT, FPS = 1280, 720, 30
CRF = 23
FACE_METRES = 0.2  # height of a detector-style face box on a real adult

# ---------------------------------------------------------------------------
# Source photos
# ---------------------------------------------------------------------------

Ellipse = tuple[int, int, int, int]
Colour = Sequence[float] | np.ndarray  # BGR, 0-255  # centre x, centre y, semi-axis x, semi-axis y


@dataclass(frozen=True)
class Photo:
    """A source photo and what is known about it, in its own pixels."""

    name: str
    # Mean of MediaPipe's short- and full-range boxes on the photo (``--measure``).
    face: tuple[float, float, float, float]
    # GrabCut seeds: "probably person" ellipses and "surely person" ellipses.
    outer: tuple[Ellipse, ...]
    core: tuple[Ellipse, ...]
    feather: float
    # Rows over which the cut-out fades into the drawn body. Kept above the
    # chest: badges and patches there look like a face to a detector.
    fade: tuple[int, int]


PHOTOS = {
    "astronaut": Photo(
        "astronaut",
        face=(175.3, 74.9, 99.5, 99.5),
        outer=((226, 100, 82, 96), (232, 322, 140, 110), (222, 200, 70, 70)),
        core=((224, 118, 50, 62), (232, 330, 100, 70)),
        feather=1.5,
        fade=(295, 345),
    ),
    "grace_hopper": Photo(
        "grace_hopper",
        face=(168.4, 137.2, 197.2, 197.2),
        outer=((265, 190, 120, 168), (262, 470, 215, 150), (265, 340, 100, 70)),
        core=((266, 240, 95, 105), (262, 480, 150, 100)),
        feather=2.0,
        fade=(470, 590),
    ),
}


def load_photo(name: str) -> np.ndarray:
    """The photo as RGB uint8."""
    if name == "astronaut":
        import skimage.data

        return np.ascontiguousarray(skimage.data.astronaut())
    import matplotlib.cbook
    import matplotlib.image

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.ascontiguousarray(matplotlib.image.imread(path))


def measure_faces() -> None:
    """Print each photo's face box as the two MediaPipe detectors see it."""
    import os

    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    model = os.path.join(os.path.dirname(mp.__file__), "modules/face_detection")
    short = vision.FaceDetector.create_from_options(
        vision.FaceDetectorOptions(
            base_options=BaseOptions(
                model_asset_path=os.path.join(model, "face_detection_short_range.tflite")
            )
        )
    )
    full = mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
    for name in PHOTOS:
        rgb = load_photo(name)
        h, w = rgb.shape[:2]
        b = short.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)).detections[0].bounding_box
        s = (b.origin_x, b.origin_y, b.width, b.height)
        r = full.process(rgb).detections[0].location_data.relative_bounding_box
        f = (r.xmin * w, r.ymin * h, r.width * w, r.height * h)
        mean = tuple(round((p + q) / 2, 1) for p, q in zip(s, f, strict=True))
        print(f"{name}: short {s}, full {tuple(round(v, 1) for v in f)}, mean {mean}")


def _ellipses(shape: tuple[int, ...], ellipses: Sequence[Ellipse]) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    for cx, cy, ax, ay in ellipses:
        cv2.ellipse(mask, (cx, cy), (ax, ay), 0, 0, 360, (1,), -1)
    return mask


def cut_out(photo: Photo) -> np.ndarray:
    """The person in the photo as premultiplied RGBA float32 in [0, 1]."""
    rgb = load_photo(photo.name)
    cv2.setRNGSeed(7)
    mask = np.full(rgb.shape[:2], cv2.GC_BGD, np.uint8)
    mask[_ellipses(rgb.shape, photo.outer) > 0] = cv2.GC_PR_FGD
    mask[_ellipses(rgb.shape, photo.core) > 0] = cv2.GC_FGD
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(rgb[:, :, ::-1].copy(), mask, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    person = np.isin(mask, [cv2.GC_FGD, cv2.GC_PR_FGD]).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(person)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    alpha = cv2.GaussianBlur((labels == largest).astype(np.float32), (0, 0), photo.feather)
    rows = np.arange(rgb.shape[0], dtype=np.float32)
    f0, f1 = photo.fade
    alpha *= np.clip((f1 - rows) / (f1 - f0), 0, 1)[:, None]
    out = np.empty(rgb.shape[:2] + (4,), np.float32)
    out[..., :3] = rgb.astype(np.float32) / 255 * alpha[..., None]
    out[..., 3] = alpha
    return out


# ---------------------------------------------------------------------------
# Camera and drawing helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Camera:
    """A pinhole camera ``height`` metres above the floor, pitched down.

    World axes: x right, y up, z away from the camera along the floor.
    """

    height: float
    pitch_deg: float
    focal: float
    cx: float = WIDTH / 2
    cy: float = HEIGHT / 2
    #: The picture's size in pixels (a wide camera's is larger than the others').
    width: int = WIDTH
    rows: int = HEIGHT

    def to_camera(self, x: float, y: float, z: float) -> tuple[float, float, float]:
        s, c = math.sin(math.radians(self.pitch_deg)), math.cos(math.radians(self.pitch_deg))
        depth = (self.height - y) * s + z * c
        down = (self.height - y) * c - z * s
        return x, down, depth

    def project(self, x: float, y: float, z: float) -> tuple[float, float, float]:
        """Image ``(u, v)`` and depth of a world point."""
        right, down, depth = self.to_camera(x, y, z)
        return self.cx + self.focal * right / depth, self.cy + self.focal * down / depth, depth


def polygon(
    img: np.ndarray, cam: Camera, points: Sequence[tuple[float, float, float]], colour: Colour
) -> None:
    """Fill a world-space polygon, clipped to the near plane."""
    near = 0.05
    cam_pts = [cam.to_camera(*p) for p in points]
    clipped: list[tuple[float, float, float]] = []
    for i, cur in enumerate(cam_pts):
        prev = cam_pts[i - 1]
        cur_in, prev_in = cur[2] >= near, prev[2] >= near
        if cur_in != prev_in:
            t = (near - prev[2]) / (cur[2] - prev[2])
            clipped.append(tuple(p + t * (q - p) for p, q in zip(prev, cur, strict=True)))  # type: ignore[arg-type]
        if cur_in:
            clipped.append(cur)
    if len(clipped) < 3:
        return
    pix = np.array(
        [[(cam.cx + cam.focal * r / d) * 16, (cam.cy + cam.focal * dn / d) * 16] for r, dn, d in clipped]
    )
    pix = np.clip(pix, -1e6, 1e6).astype(np.int32)
    cv2.fillPoly(img, [pix], tuple(float(c) for c in colour), cv2.LINE_AA, shift=4)


def quad_x(x: float, y0: float, y1: float, z0: float, z1: float) -> list[tuple[float, float, float]]:
    """A rectangle on a wall of constant x."""
    return [(x, y0, z0), (x, y0, z1), (x, y1, z1), (x, y1, z0)]


def quad_z(z: float, x0: float, x1: float, y0: float, y1: float) -> list[tuple[float, float, float]]:
    """A rectangle on a wall of constant z."""
    return [(x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)]


def quad_y(y: float, x0: float, x1: float, z0: float, z1: float) -> list[tuple[float, float, float]]:
    """A rectangle on a floor or ceiling of constant y."""
    return [(x0, y, z0), (x1, y, z0), (x1, y, z1), (x0, y, z1)]


@dataclass(frozen=True)
class Room:
    """A box-shaped room: floor, two side walls, back wall, ceiling."""

    half_width: float
    depth: float
    ceiling: float
    floor: tuple[float, float, float]
    wall: tuple[float, float, float]
    back: tuple[float, float, float]
    ceiling_colour: tuple[float, float, float]
    tile: float = 1.0


def draw_room(img: np.ndarray, cam: Camera, room: Room) -> None:
    """Walls, floor tiles, ceiling and skirting, in BGR floats."""
    w, d, c = room.half_width, room.depth, room.ceiling
    polygon(img, cam, quad_y(c, -w, w, 0.0, d), room.ceiling_colour)
    polygon(img, cam, quad_z(d, -w, w, 0.0, c), room.back)
    shade = np.array(room.wall)
    polygon(img, cam, quad_x(-w, 0.0, c, 0.0, d), shade * 0.92)
    polygon(img, cam, quad_x(w, 0.0, c, 0.0, d), shade * 1.04)
    polygon(img, cam, quad_y(0.0, -w, w, 0.0, d), room.floor)
    # Floor tiles: alternating shades, which read as perspective at a glance.
    floor = np.array(room.floor)
    n = int(round(w * 2 / room.tile))
    for i in range(n):
        for j in range(int(d / room.tile)):
            if (i + j) % 2:
                x0 = -w + i * room.tile
                polygon(
                    img, cam, quad_y(0.0, x0, x0 + room.tile, j * room.tile, (j + 1) * room.tile), floor * 0.9
                )
    skirting = shade * 0.55
    polygon(img, cam, quad_x(-w + 0.001, 0.0, 0.12, 0.0, d), skirting)
    polygon(img, cam, quad_x(w - 0.001, 0.0, 0.12, 0.0, d), skirting)
    polygon(img, cam, quad_z(d - 0.001, -w, w, 0.0, 0.12), skirting)


def door_x(img: np.ndarray, cam: Camera, x: float, z: float, colour: Colour, width: float = 1.0) -> None:
    """A door with a frame on a side wall at ``x``, starting at depth ``z``."""
    inset = -0.001 if x > 0 else 0.001
    polygon(img, cam, quad_x(x + inset, 0.0, 2.2, z - 0.08, z + width + 0.08), np.array(colour) * 0.6)
    polygon(img, cam, quad_x(x + 2 * inset, 0.0, 2.12, z, z + width), colour)
    handle_z = z + width * 0.85
    polygon(img, cam, quad_x(x + 3 * inset, 1.0, 1.06, handle_z - 0.05, handle_z + 0.05), (200, 200, 200))


def door_z(img: np.ndarray, cam: Camera, z: float, x: float, colour: Colour, width: float = 1.0) -> None:
    """A door on the back wall, left edge at ``x``."""
    polygon(img, cam, quad_z(z - 0.001, x - 0.08, x + width + 0.08, 0.0, 2.2), np.array(colour) * 0.6)
    polygon(img, cam, quad_z(z - 0.002, x, x + width, 0.0, 2.12), colour)


def frame_z(
    img: np.ndarray,
    cam: Camera,
    z: float,
    x0: float,
    x1: float,
    y0: float,
    y1: float,
    colour: Colour,
) -> None:
    """A framed picture or panel on a back wall: a dark frame, a flat interior."""
    polygon(img, cam, quad_z(z - 0.001, x0 - 0.06, x1 + 0.06, y0 - 0.06, y1 + 0.06), (40, 40, 45))
    polygon(img, cam, quad_z(z - 0.002, x0, x1, y0, y1), colour)


def frame_x(
    img: np.ndarray,
    cam: Camera,
    x: float,
    z0: float,
    z1: float,
    y0: float,
    y1: float,
    colour: Colour,
) -> None:
    """A framed picture on a side wall."""
    inset = -0.001 if x > 0 else 0.001
    polygon(img, cam, quad_x(x + inset, y0 - 0.06, y1 + 0.06, z0 - 0.06, z1 + 0.06), (40, 40, 45))
    polygon(img, cam, quad_x(x + 2 * inset, y0, y1, z0, z1), colour)


def lamps(
    img: np.ndarray, cam: Camera, y: float, xs: Sequence[float], zs: Sequence[float], size: float = 0.6
) -> None:
    """Ceiling lights: bright panels."""
    for x in xs:
        for z in zs:
            polygon(
                img, cam, quad_y(y - 0.01, x - size / 2, x + size / 2, z - 0.15, z + 0.15), (245, 250, 252)
            )


def box_solid(
    img: np.ndarray,
    cam: Camera,
    x0: float,
    x1: float,
    z0: float,
    z1: float,
    top: float,
    colour: Colour,
) -> None:
    """A plinth or bench: the faces that a camera above it can see."""
    col = np.array(colour)
    polygon(img, cam, quad_z(z0, x0, x1, 0.0, top), col)
    if x0 > 0:
        polygon(img, cam, quad_x(x0, 0.0, top, z0, z1), col * 0.8)
    if x1 < 0:
        polygon(img, cam, quad_x(x1, 0.0, top, z0, z1), col * 0.8)
    polygon(img, cam, quad_y(top, x0, x1, z0, z1), col * 1.15)


def finish_background(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Vignette, a little wall texture and lens softness on a drawn scene."""
    height, width = img.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((xx - width / 2) / (width / 2)) ** 2 + ((yy - height / 2) / (height / 2)) ** 2
    vignette = 1.0 - 0.28 * r2 / 2
    texture = cv2.GaussianBlur(rng.normal(0, 1, (height // 4, width // 4)).astype(np.float32), (0, 0), 1.2)
    texture = cv2.resize(texture, (width, height), interpolation=cv2.INTER_CUBIC) * 4.0
    out = img * vignette[..., None] + texture[..., None]
    return cv2.GaussianBlur(out, (0, 0), 0.8)


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


def smooth(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)


Key = tuple[float, float, float, float]  # time (s), x (m), z (m), yaw (degrees, + turns to image right)


def interpolate(keys: Sequence[Key], t: float) -> tuple[float, float, float] | None:
    """Position and yaw at ``t``, eased between keys; ``None`` outside the keys."""
    if t < keys[0][0] or t > keys[-1][0]:
        return None
    for k0, k1 in zip(keys, keys[1:], strict=False):
        if k0[0] <= t <= k1[0]:
            a = (t - k0[0]) / (k1[0] - k0[0]) if k1[0] > k0[0] else 1.0
            yaw_a = smooth(a)
            return (
                k0[1] + a * (k1[1] - k0[1]),
                k0[2] + a * (k1[2] - k0[2]),
                k0[3] + yaw_a * (k1[3] - k0[3]),
            )
    return keys[-1][1], keys[-1][2], keys[-1][3]


@dataclass(frozen=True)
class Cover:
    """Something held or worn over part of the face from ``start`` to ``end`` seconds.

    ``kind`` is ``hand`` (over the mouth), ``phone`` (hand at the cheek),
    ``mask`` (a surgical mask) or ``cap`` (a peaked cap pulled down).
    """

    kind: str
    start: float
    end: float
    ramp: float = 0.3

    def amount(self, t: float) -> float:
        if t <= self.start or t >= self.end:
            return 0.0
        return smooth(min(t - self.start, self.end - t) / self.ramp)


@dataclass(frozen=True)
class Person:
    """One person moving through a clip along eased keyframes."""

    photo: str | None  # None: seen from behind, no face
    keys: tuple[Key, ...]
    flip: bool = False
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)  # RGB gains on the photo
    stature: float = 1.0  # face centre height / 1.6 m
    clothes: tuple[float, float, float] | None = None  # BGR 0-255; None: from the photo
    trousers: tuple[float, float, float] = (55, 50, 50)
    covers: tuple[Cover, ...] = ()
    note: str = ""
    walk: bool = True


@dataclass
class Sprite:
    """A person's cut-out as a mip pyramid of premultiplied RGBA, plus its face."""

    levels: list[np.ndarray]
    face: tuple[float, float, float, float]
    clothes: np.ndarray  # BGR 0-255
    # Where the drawn torso takes over: a row of the cut-out and its left and
    # right ends, in source pixels from the face centre.
    torso: tuple[float, float, float]


def make_sprite(person: Person, cutouts: dict[str, np.ndarray], ambient: float) -> Sprite | None:
    if person.photo is None:
        return None
    photo = PHOTOS[person.photo]
    rgba = cutouts[photo.name].copy()
    fx, fy, fw, fh = photo.face
    if person.flip:
        rgba = rgba[:, ::-1].copy()
        fx = rgba.shape[1] - fx - fw
    rgba[..., :3] *= np.array(person.tint, np.float32) * ambient
    bgra = rgba[..., [2, 1, 0, 3]].copy()
    levels = [bgra]
    while min(levels[-1].shape[:2]) > 16:
        prev = levels[-1]
        levels.append(
            cv2.resize(prev, (prev.shape[1] // 2, prev.shape[0] // 2), interpolation=cv2.INTER_AREA)
        )
    if person.clothes is not None:
        clothes = np.array(person.clothes, np.float32)
    else:
        # The colour at the bottom of the cut-out, so the drawn body continues it.
        f0, f1 = photo.fade
        band = bgra[f0 - 20 : f0, :, :]
        weight = band[..., 3:4]
        clothes = (band[..., :3].sum(axis=(0, 1)) / max(1e-6, weight.sum())) * 255
    row = photo.fade[0] - 10
    cols = np.nonzero(bgra[row, :, 3] > 0.5)[0]
    fcx, fcy = fx + fw / 2, fy + fh / 2
    torso = (row - fcy, cols.min() - fcx, cols.max() - fcx)
    return Sprite(levels, (fx, fy, fw, fh), clothes, torso)


@dataclass
class Placement:
    """Where a person's face lands in the frame this time step."""

    cx: float
    cy: float
    scale: float  # output pixels per source pixel (level 0)
    near: float  # horizontal squeeze of the half turned towards the camera
    far: float  # horizontal squeeze of the half turned away
    yaw: float
    face_px: float  # face height in output pixels


def squeezes(yaw: float) -> tuple[float, float]:
    """Horizontal scales of the near and far half of a face turned by ``yaw`` degrees."""
    r = math.radians(abs(yaw))
    return math.cos(r) + 0.15 * math.sin(r), max(0.12, math.cos(r) - 0.25 * math.sin(r))


@dataclass
class Layer:
    """A premultiplied BGRA image covering ``x0, y0`` onwards in the frame."""

    x0: int
    y0: int
    rgba: np.ndarray
    depth: float


def _over(layer: np.ndarray, mask: np.ndarray, colour: np.ndarray, x: int, y: int, opacity: float) -> None:
    """Blend a flat colour through a uint8 ``mask`` placed at ``x, y`` of the layer."""
    mh, mw = mask.shape
    a = mask.astype(np.float32) * (opacity / 255)
    sub = layer[y : y + mh, x : x + mw]
    sub[..., :3] *= 1 - a[..., None]
    sub[..., :3] += (colour / 255) * a[..., None]
    sub[..., 3] = sub[..., 3] * (1 - a) + a


def _window(
    layer: np.ndarray, lo_x: float, lo_y: float, hi_x: float, hi_y: float
) -> tuple[int, int, int, int] | None:
    """The part of the layer a shape with these bounds can touch."""
    h, w = layer.shape[:2]
    x0, y0 = max(0, int(math.floor(lo_x)) - 1), max(0, int(math.floor(lo_y)) - 1)
    x1, y1 = min(w, int(math.ceil(hi_x)) + 2), min(h, int(math.ceil(hi_y)) + 2)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _fill(
    layer: np.ndarray, pts: np.ndarray, colour: np.ndarray, x0: int, y0: int, opacity: float = 1.0
) -> None:
    """Draw an anti-aliased polygon (frame pixels) ``over`` a premultiplied layer at ``x0, y0``."""
    local = pts - [x0, y0]
    win = _window(layer, *local.min(axis=0), *local.max(axis=0))
    if win is None:
        return
    wx0, wy0, wx1, wy1 = win
    mask = np.zeros((wy1 - wy0, wx1 - wx0), np.uint8)
    p = np.round((local - [wx0, wy0]) * 16).astype(np.int32)
    cv2.fillPoly(mask, [p], (255,), cv2.LINE_AA, shift=4)
    _over(layer, mask, colour, wx0, wy0, opacity)


def _ellipse(
    layer: np.ndarray,
    centre: tuple[float, float],
    axes: tuple[float, float],
    angle: float,
    colour: np.ndarray,
    x0: int,
    y0: int,
    opacity: float = 1.0,
) -> None:
    """Draw an anti-aliased ellipse ``over`` a layer."""
    cx, cy = centre[0] - x0, centre[1] - y0
    r = max(axes)
    win = _window(layer, cx - r, cy - r, cx + r, cy + r)
    if win is None:
        return
    wx0, wy0, wx1, wy1 = win
    mask = np.zeros((wy1 - wy0, wx1 - wx0), np.uint8)
    c = (int(round((cx - wx0) * 16)), int(round((cy - wy0) * 16)))
    ax = (max(1, int(round(axes[0] * 16))), max(1, int(round(axes[1] * 16))))
    cv2.ellipse(mask, c, ax, angle, 0, 360, (255,), -1, cv2.LINE_AA, shift=4)
    _over(layer, mask, colour, wx0, wy0, opacity)


SKIN = np.array([120, 150, 205], np.float32)  # BGR


def draw_cover(
    layer: np.ndarray,
    cover: Cover,
    amount: float,
    box: tuple[float, float, float, float],
    flip: bool,
    ambient: float,
    x0: int,
    y0: int,
) -> np.ndarray:
    """Draw a cover over a face box (frame pixels); returns its coverage on the layer."""
    bx, by, bw, bh = box
    cx, cy = bx + bw / 2, by + bh / 2
    before = layer[..., 3].copy()
    cover_layer = np.zeros_like(layer)
    side = -1.0 if flip else 1.0
    if cover.kind in ("hand", "phone"):
        skin = SKIN * ambient
        if cover.kind == "hand":
            px, py = cx, cy + bh * 0.3 + (1 - amount) * bh * 1.2
            palm = (bw * 0.34, bh * 0.26)
            angle = 0.0
        else:
            px, py = cx + side * bw * 0.42, cy + bh * 0.1 + (1 - amount) * bh * 1.2
            palm = (bw * 0.2, bh * 0.3)
            angle = -side * 15
        _ellipse(cover_layer, (px, py), palm, angle, skin, x0, y0)
        fingers = 4
        for i in range(fingers):
            fxp = px - palm[0] * 0.75 + i * palm[0] * 0.5
            _ellipse(
                cover_layer,
                (fxp, py - palm[1] * 1.1),
                (palm[0] * 0.16, palm[1] * 0.7),
                0.0,
                skin * (0.95 + 0.03 * i),
                x0,
                y0,
            )
        _ellipse(
            cover_layer,
            (px + side * palm[0] * 1.0, py + palm[1] * 0.2),
            (palm[0] * 0.18, palm[1] * 0.55),
            side * 40,
            skin * 0.92,
            x0,
            y0,
        )
        # The forearm, reaching down out of the face.
        arm = np.array(
            [
                [px - palm[0] * 0.6, py + palm[1] * 0.4],
                [px + palm[0] * 0.6, py + palm[1] * 0.4],
                [px + palm[0] * 0.8 + side * bw * 0.2, py + bh * 2.5],
                [px - palm[0] * 0.8 + side * bw * 0.2, py + bh * 2.5],
            ]
        )
        _fill(cover_layer, arm, np.array([70, 70, 90], np.float32) * ambient, x0, y0)
    elif cover.kind == "mask":
        colour = np.array([225, 215, 190], np.float32) * ambient
        top = cy - bh * 0.02 + (1 - amount) * bh * 0.6
        pts = np.array(
            [
                [cx - bw * 0.5, top + bh * 0.05],
                [cx, top - bh * 0.04],
                [cx + bw * 0.5, top + bh * 0.05],
                [cx + bw * 0.45, top + bh * 0.38],
                [cx, top + bh * 0.56],
                [cx - bw * 0.45, top + bh * 0.38],
            ]
        )
        _fill(cover_layer, pts, colour, x0, y0)
        for k in (0.15, 0.27, 0.39):
            line = np.array(
                [
                    [cx - bw * 0.42, top + bh * k],
                    [cx + bw * 0.42, top + bh * k],
                    [cx + bw * 0.42, top + bh * (k + 0.015)],
                    [cx - bw * 0.42, top + bh * (k + 0.015)],
                ]
            )
            _fill(cover_layer, line, colour * 0.85, x0, y0)
        cover_layer *= amount
    elif cover.kind == "cap":
        colour = np.array([60, 40, 150], np.float32) * ambient
        drop = (1 - amount) * bh * 0.5
        _ellipse(cover_layer, (cx, by - bh * 0.05 - drop), (bw * 0.62, bh * 0.42), 0, colour, x0, y0)
        brim = np.array(
            [
                [cx - bw * 0.55, by + bh * 0.2 - drop],
                [cx + bw * 0.55, by + bh * 0.2 - drop],
                [cx + bw * 0.62, by + bh * 0.3 - drop],
                [cx - bw * 0.62, by + bh * 0.3 - drop],
            ]
        )
        _fill(cover_layer, brim, colour * 0.7, x0, y0)
        cover_layer *= amount
    else:
        raise ValueError(f"unknown cover {cover.kind!r}")
    a = cover_layer[..., 3]
    layer[..., :3] = layer[..., :3] * (1 - a[..., None]) + cover_layer[..., :3]
    layer[..., 3] = before * (1 - a) + a
    return a


@dataclass
class FaceRecord:
    """A face drawn in this frame and how much of it is hidden so far."""

    track: int
    box: tuple[float, float, float, float]
    yaw: float
    bounds: tuple[int, int, int, int]  # clipped integer bounds in the frame
    hidden: np.ndarray  # coverage of the clipped box by anything drawn in front


def render_person(
    person: Person, sprite: Sprite | None, cam: Camera, t: float, ambient: float, track: int
) -> tuple[Layer, FaceRecord | None] | None:
    """Draw one person at time ``t`` into a layer; ``None`` when not on stage."""
    state = interpolate(person.keys, t)
    if state is None:
        return None
    x, z, yaw = state
    travelled = _distance(person.keys, t)
    phase = travelled / 0.7 * math.pi if person.walk else 0.0
    bob = 0.015 * abs(math.sin(phase)) if person.walk else 0.0
    head_y = 1.6 * person.stature + bob
    u, v, depth = cam.project(x, head_y, z)
    if depth < 0.2:
        return None
    ppm = cam.focal / depth  # pixels per metre at the face
    face_px = FACE_METRES * ppm
    near, far = squeezes(yaw)
    turn_right = yaw > 0
    # Image-space body points: metres below the face centre, scaled by ppm.
    feet_u, feet_v, _ = cam.project(x, 0.0, z)
    body_scale = (feet_v - v) / head_y  # pixels per metre of height along the body
    width_scale = (
        ppm * (near + far) / 2 if sprite is not None else ppm * (0.6 + 0.4 * math.cos(math.radians(yaw)))
    )
    left_s, right_s = (far, near) if turn_right else (near, far)

    # Region of the frame the person may touch.
    if sprite is not None:
        lvl0 = sprite.levels[0]
        fx, fy, fw, fh = sprite.face
        scale = face_px / fh
        fcx, fcy = fx + fw / 2, fy + fh / 2
        sx0 = u - fcx * scale * left_s
        sx1 = u + (lvl0.shape[1] - fcx) * scale * right_s
        sy0 = v - fcy * scale
    else:
        scale = 0.0
        sx0, sx1, sy0 = u - 0.2 * ppm, u + 0.2 * ppm, v - 0.2 * ppm
    half_body = 0.3 * width_scale
    x0 = int(math.floor(max(0.0, min(sx0, u - 1.6 * half_body) - 2)))
    x1 = int(math.ceil(min(float(cam.width), max(sx1, u + 1.6 * half_body) + 2)))
    y0 = int(math.floor(max(0.0, sy0 - 2)))
    y1 = int(math.ceil(min(float(cam.rows), feet_v + 4)))
    if x1 <= x0 or y1 <= y0:
        return None
    layer = np.zeros((y1 - y0, x1 - x0, 4), np.float32)

    clothes = sprite.clothes if sprite is not None else np.array(person.clothes or (80, 80, 80), np.float32)
    clothes = clothes * (ambient if sprite is None else 1.0)
    trousers = np.array(person.trousers, np.float32) * ambient

    def at(dx: float, dy: float) -> tuple[float, float]:
        return u + dx * width_scale, v + dy * body_scale

    # Legs and arms swing along the direction of travel, as seen by the camera.
    swing = math.sin(phase) if person.walk else 0.0
    ahead = interpolate(person.keys, min(t + 0.1, person.keys[-1][0]))
    behind = interpolate(person.keys, max(t - 0.1, person.keys[0][0]))
    lat = lon = 0.0
    if ahead is not None and behind is not None:
        dx, dz = ahead[0] - behind[0], ahead[1] - behind[1]
        norm = math.hypot(dx, dz)
        if norm > 1e-6:
            lat, lon = dx / norm, dz / norm
    hip_y = 0.8
    legs = []
    for sgn in (-1, 1):
        stride = sgn * swing * 0.3
        hip = at(sgn * 0.085, hip_y)
        foot = (u + (sgn * 0.075 + stride * lat) * width_scale, feet_v - stride * lon * body_scale * 0.15)
        legs.append((stride * lon, sgn, hip, foot))
    for _, sgn, hip, foot in sorted(legs, key=lambda leg: -leg[0]):
        leg = np.array(
            [
                [hip[0] - 0.085 * width_scale, hip[1]],
                [hip[0] + 0.085 * width_scale, hip[1]],
                [foot[0] + 0.06 * width_scale, foot[1]],
                [foot[0] - 0.06 * width_scale, foot[1]],
            ]
        )
        _fill(layer, leg, trousers * (0.88 if sgn < 0 else 1.0), x0, y0)
        _ellipse(
            layer,
            (foot[0], foot[1] - 0.025 * body_scale),
            (0.075 * width_scale, 0.035 * body_scale),
            0,
            np.array([30, 30, 35], np.float32),
            x0,
            y0,
        )
    # Torso and arms.
    if sprite is None:
        corners = [at(-0.22, 0.2), at(0.22, 0.2)]
    else:
        row, left, right = sprite.torso
        corners = [
            (u + left * scale * left_s, v + row * scale),
            (u + right * scale * right_s, v + row * scale),
        ]
    hips = [at(0.18, hip_y + 0.04), at(-0.18, hip_y + 0.04)]
    _fill(layer, np.array(corners + hips), clothes * 0.95, x0, y0)
    for sgn, corner in zip((-1, 1), corners, strict=True):
        top = (corner[0] - sgn * 0.06 * width_scale, corner[1] + 0.03 * body_scale)
        hand = -sgn * swing * 0.14
        bottom = (
            top[0] + (sgn * 0.03 + hand * lat) * width_scale,
            v + (0.8 - abs(hand * lon) * 0.3) * body_scale,
        )
        arm = np.array(
            [
                [top[0] - 0.055 * width_scale, top[1]],
                [top[0] + 0.055 * width_scale, top[1]],
                [bottom[0] + 0.04 * width_scale, bottom[1]],
                [bottom[0] - 0.04 * width_scale, bottom[1]],
            ]
        )
        _fill(layer, arm, clothes * 0.8, x0, y0)
        _ellipse(layer, bottom, (0.04 * width_scale, 0.05 * body_scale), 0, SKIN * ambient * 0.9, x0, y0)

    record = None
    if sprite is None:
        # Seen from behind: hair and a neck, no face.
        _fill(
            layer,
            np.array([at(-0.06, 0.05), at(0.06, 0.05), at(0.06, 0.22), at(-0.06, 0.22)]),
            SKIN * ambient * 0.8,
            x0,
            y0,
        )
        hair = np.array((35, 45, 60), np.float32) * ambient
        _ellipse(layer, (u, v - 0.02 * ppm), (0.095 * ppm, 0.125 * ppm), 0, hair, x0, y0)
    else:
        _sprite_into(layer, sprite, u, v, scale, left_s, right_s, x0, y0)
        box = (
            u - fw / 2 * scale * left_s,
            v - fh / 2 * scale,
            fw * scale * (left_s + right_s) / 2,
            fh * scale,
        )
        bx0, by0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
        bx1, by1 = min(cam.width, math.ceil(box[0] + box[2])), min(cam.rows, math.ceil(box[1] + box[3]))
        if bx1 > bx0 and by1 > by0:
            hidden = np.zeros((by1 - by0, bx1 - bx0), np.float32)
            for cover in person.covers:
                amount = cover.amount(t)
                if amount > 0:
                    a = draw_cover(layer, cover, amount, box, person.flip, ambient, x0, y0)
                    part = a[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0]
                    hidden = (1 - (1 - hidden) * (1 - part)).astype(np.float32)
            record = FaceRecord(track, box, yaw, (bx0, by0, bx1, by1), hidden)
    return Layer(x0, y0, layer, depth), record


def _distance(keys: Sequence[Key], t: float) -> float:
    """Metres walked since the first key, for the gait phase."""
    total = 0.0
    for k0, k1 in zip(keys, keys[1:], strict=False):
        if t <= k0[0]:
            break
        a = min(1.0, (t - k0[0]) / (k1[0] - k0[0])) if k1[0] > k0[0] else 1.0
        total += a * math.hypot(k1[1] - k0[1], k1[2] - k0[2])
    return total


def _sprite_into(
    layer: np.ndarray,
    sprite: Sprite,
    u: float,
    v: float,
    scale: float,
    left_s: float,
    right_s: float,
    x0: int,
    y0: int,
) -> None:
    """Resample the cut-out into the layer: face centre at (u, v), each half squeezed."""
    fx, fy, fw, fh = sprite.face
    fcx, fcy = fx + fw / 2, fy + fh / 2
    eff = scale * min(left_s, right_s, 1.0)
    level = (
        int(min(len(sprite.levels) - 1, max(0, math.floor(math.log2(1.0 / max(eff, 1e-6))))))
        if eff < 1
        else 0
    )
    factor = 2.0**level
    src = sprite.levels[level]
    h, w = layer.shape[:2]
    xs = np.arange(w, dtype=np.float32) + x0 - u
    ys = np.arange(h, dtype=np.float32) + y0 - v
    mx = np.where(xs < 0, xs / (scale * left_s), xs / (scale * right_s)) + fcx
    my = ys / scale + fcy
    mx = (mx + 0.5) / factor - 0.5
    my = (my + 0.5) / factor - 0.5
    cols = np.nonzero((mx > -1) & (mx < src.shape[1]))[0]
    rows = np.nonzero((my > -1) & (my < src.shape[0]))[0]
    if cols.size == 0 or rows.size == 0:
        return
    c0, c1, r0, r1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
    map_x = np.broadcast_to(mx[None, c0:c1], (r1 - r0, c1 - c0)).astype(np.float32)
    map_y = np.broadcast_to(my[r0:r1, None], (r1 - r0, c1 - c0)).astype(np.float32)
    out = cv2.remap(src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0,))
    sub = layer[r0:r1, c0:c1]
    sub *= 1 - out[..., 3:4]
    sub += out


# ---------------------------------------------------------------------------
# Clips
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Clip:
    name: str
    seconds: float
    range: str
    description: str
    camera: Camera
    label: str
    people: tuple[Person, ...]
    scene: Callable[[np.ndarray, Camera], None]
    light: Callable[[float], float] = lambda t: 1.0
    ambient: float = 0.9
    noise: float = 2.5
    seed: int = 0
    foreground: Callable[[Camera], list[Layer]] = field(default=lambda cam: [])
    #: H.264 quality (lower is better): a wide clip is encoded coarser to stay small.
    crf: int = CRF
    #: The folder under the footage folder the clip goes to ("" for the footage folder itself).
    folder: str = ""


def _kiosk_scene(img: np.ndarray, cam: Camera) -> None:
    room = Room(
        3.0,
        4.2,
        3.0,
        floor=(88, 98, 108),
        wall=(170, 178, 182),
        back=(150, 160, 166),
        ceiling_colour=(200, 205, 205),
        tile=0.6,
    )
    draw_room(img, cam, room)
    door_z(img, cam, room.depth, 1.0, (70, 95, 120), 1.0)
    frame_z(img, cam, room.depth, -2.2, -0.6, 1.2, 2.1, (120, 140, 160))
    frame_z(img, cam, room.depth, -2.0, -0.8, 1.35, 1.95, (150, 110, 80))
    frame_x(img, cam, -room.half_width, 1.5, 3.0, 1.1, 1.9, (90, 110, 150))
    # An information kiosk screen in the lower right.
    polygon(img, cam, quad_z(3.2, 1.6, 2.4, 0.0, 1.3), (60, 60, 66))
    polygon(img, cam, quad_z(3.199, 1.7, 2.3, 0.85, 1.25), (160, 120, 60))


def _hall_scene(img: np.ndarray, cam: Camera) -> None:
    room = Room(
        7.0,
        14.0,
        5.0,
        floor=(120, 124, 128),
        wall=(195, 200, 205),
        back=(180, 186, 192),
        ceiling_colour=(215, 218, 220),
        tile=1.0,
    )
    draw_room(img, cam, room)
    lamps(img, cam, room.ceiling, (-4.0, 0.0, 4.0), (3.0, 6.0, 9.0, 12.0), 0.8)
    for i, colour in enumerate([(60, 90, 140), (140, 90, 60), (50, 120, 90), (110, 60, 120)]):
        x0 = -5.6 + i * 2.9
        frame_z(img, cam, room.depth, x0, x0 + 1.6, 1.3, 2.5, colour)
    for i, colour in enumerate([(90, 140, 170), (160, 150, 90), (80, 80, 150)]):
        z0 = 3.5 + i * 3.5
        frame_x(img, cam, -room.half_width, z0, z0 + 1.8, 1.2, 2.4, colour)
        frame_x(img, cam, room.half_width, z0 + 1.0, z0 + 2.8, 1.2, 2.4, tuple(c * 0.8 for c in colour))
    door_x(img, cam, room.half_width, 11.5, (80, 100, 120), 1.4)
    box_solid(img, cam, -1.2, 0.2, 10.5, 11.3, 0.9, (150, 150, 155))
    box_solid(img, cam, 2.5, 3.3, 6.0, 6.8, 1.0, (140, 146, 150))


def _lobby_scene(img: np.ndarray, cam: Camera) -> None:
    room = Room(
        4.5,
        12.0,
        3.4,
        floor=(105, 112, 120),
        wall=(165, 175, 185),
        back=(150, 160, 170),
        ceiling_colour=(205, 208, 210),
        tile=0.8,
    )
    draw_room(img, cam, room)
    lamps(img, cam, room.ceiling, (-2.0, 2.0), (3.0, 6.5, 10.0), 0.7)
    # Glass entrance doors in the back wall.
    for x in (-1.3, 0.0):
        polygon(img, cam, quad_z(room.depth - 0.001, x - 0.05, x + 1.35, 0.0, 2.45), (60, 60, 65))
        polygon(img, cam, quad_z(room.depth - 0.002, x + 0.03, x + 1.27, 0.03, 2.4), (150, 140, 120))
    door_x(img, cam, -room.half_width, 6.5, (70, 90, 115), 1.1)
    door_x(img, cam, room.half_width, 4.0, (70, 90, 115), 1.1)
    frame_x(img, cam, room.half_width, 7.0, 9.5, 1.0, 2.2, (120, 150, 170))
    box_solid(img, cam, 2.6, 4.4, 9.0, 9.8, 1.05, (90, 105, 130))  # reception desk


def _corridor_scene(img: np.ndarray, cam: Camera) -> None:
    room = Room(
        1.4,
        26.0,
        2.7,
        floor=(95, 100, 105),
        wall=(175, 185, 190),
        back=(140, 150, 160),
        ceiling_colour=(190, 195, 198),
        tile=0.7,
    )
    draw_room(img, cam, room)
    lamps(img, cam, room.ceiling, (0.0,), [3.0 + 3.5 * i for i in range(7)], 0.9)
    # Handrails along both walls, broken by the doors.
    polygon(img, cam, quad_x(-room.half_width + 0.003, 0.9, 0.95, 0.0, room.depth), (120, 125, 130))
    polygon(img, cam, quad_x(room.half_width - 0.003, 0.9, 0.95, 0.0, room.depth), (120, 125, 130))
    for i in range(5):
        door_x(img, cam, -room.half_width, 4.0 + i * 4.5, (90, 110, 130), 0.95)
        door_x(img, cam, room.half_width, 6.0 + i * 4.5, (100, 120, 140), 0.95)
    door_z(img, cam, room.depth, -0.5, (60, 80, 100), 1.0)


def _pillar(cam: Camera, x: float, z: float, half: float = 0.3, height: float = 5.0) -> Layer:
    """A square pillar as a foreground layer that people can walk behind."""
    img = np.zeros((cam.rows, cam.width, 3), np.float32)
    alpha = np.zeros((cam.rows, cam.width, 3), np.float32)
    for target, colours in ((img, ((190, 192, 196), (150, 152, 156))), (alpha, ((1, 1, 1), (1, 1, 1)))):
        polygon(target, cam, quad_z(z - half, x - half, x + half, 0.0, height), colours[0])
        side = x - half if x > 0 else x + half
        polygon(target, cam, quad_x(side, 0.0, height, z - half, z + half), colours[1])
    a = alpha[..., 0]
    ys, xs = np.nonzero(a > 0)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    rgba = np.zeros((y1 - y0, x1 - x0, 4), np.float32)
    rgba[..., :3] = img[y0:y1, x0:x1] / 255
    rgba[..., 3] = a[y0:y1, x0:x1]
    _, _, depth = cam.project(x, 1.6, z - half)
    return Layer(int(x0), int(y0), rgba, depth)


def _flicker(t: float, start: float, end: float, seed: int) -> float:
    """A failing fluorescent tube: irregular dips between ``start`` and ``end``."""
    if not start <= t <= end:
        return 1.0
    frame = int(round(t * FPS))
    rng = np.random.default_rng(seed * 10007 + frame)
    return float(0.55 + 0.3 * rng.random()) if rng.random() < 0.45 else 1.0


def _ramp(t: float, points: Sequence[tuple[float, float]]) -> float:
    """Piecewise smooth gain through ``(time, gain)`` points."""
    if t <= points[0][0]:
        return points[0][1]
    for (t0, g0), (t1, g1) in zip(points, points[1:], strict=False):
        if t <= t1:
            return g0 + smooth((t - t0) / (t1 - t0)) * (g1 - g0)
    return points[-1][1]


DARKER = (0.78, 0.66, 0.58)
WARM = (1.05, 0.95, 0.85)
COOL = (0.92, 0.97, 1.05)

CLIPS: dict[str, Clip] = {}


def _add(clip: Clip) -> None:
    CLIPS[clip.name] = clip


_add(
    Clip(
        name="kiosk",
        seconds=12.0,
        range="short",
        description=(
            "A camera at eye height in a small gallery room, as on an information kiosk. One person walks "
            "up close (face 100-270 px), turns her head away and back, covers her mouth with a hand, then "
            "steps out past the right edge; a second person comes in from the left, puts on a face mask "
            "and leaves through the left edge. The exposure dips while the first face fills the frame."
        ),
        camera=Camera(height=1.58, pitch_deg=2.0, focal=1050.0),
        label="CAM 01 KIOSK",
        people=(
            Person(
                "astronaut",
                (
                    (0.0, -0.15, 2.15, 0.0),
                    (3.6, 0.05, 0.78, 0.0),
                    (4.4, 0.05, 0.78, 0.0),
                    (4.9, 0.05, 0.78, 55.0),
                    (5.6, 0.05, 0.78, 55.0),
                    (6.1, 0.05, 0.78, 0.0),
                    (8.6, 0.05, 0.8, 0.0),
                    (10.4, 0.75, 0.95, -20.0),
                ),
                covers=(Cover("hand", 6.5, 7.8),),
                note="walks up to the camera, looks aside, hand over mouth, leaves right",
                walk=True,
            ),
            Person(
                "grace_hopper",
                (
                    (5.0, -1.05, 1.55, 30.0),
                    (6.8, -0.35, 1.35, 0.0),
                    (10.2, -0.35, 1.35, 0.0),
                    (12.0, -1.2, 1.5, -30.0),
                ),
                flip=True,
                tint=WARM,
                covers=(Cover("mask", 8.6, 10.0, 0.4),),
                stature=0.98,
                note="enters left, puts on a mask, leaves left",
            ),
        ),
        scene=_kiosk_scene,
        light=lambda t: _ramp(t, [(0.0, 1.0), (2.6, 1.0), (3.8, 0.78), (8.6, 0.78), (9.8, 1.0)]),
        ambient=0.92,
        noise=2.2,
        seed=11,
    )
)

_add(
    Clip(
        name="hall",
        seconds=15.0,
        range="full",
        description=(
            "A ceiling camera over a large exhibition hall. Seven visitors at 4-10 m, so faces are small "
            "(about 24-57 px): some cross, one walks behind a pillar, one stands by the pictures and twice "
            "turns her head far away, one walks towards the camera, one is seen only from behind."
        ),
        camera=Camera(height=3.6, pitch_deg=15.0, focal=1250.0),
        label="CAM 02 HALL",
        people=(
            Person(
                "astronaut",
                ((0.0, -5.6, 9.6, 20.0), (13.0, 5.6, 9.2, 20.0)),
                note="crosses left to right, far",
                stature=1.02,
            ),
            Person(
                "grace_hopper",
                ((0.0, 4.6, 6.4, -25.0), (11.5, -4.8, 6.7, -25.0)),
                stature=0.97,
                note="crosses right to left behind the pillar",
            ),
            Person(
                "astronaut",
                ((0.0, 1.1, 10.5, 0.0), (13.0, 0.6, 4.2, 0.0), (15.0, 0.6, 4.0, 0.0)),
                flip=True,
                tint=DARKER,
                clothes=(70, 110, 40),
                note="walks towards the camera",
                stature=1.06,
            ),
            Person(
                "grace_hopper",
                (
                    (0.0, -2.7, 7.6, -20.0),
                    (2.6, -2.7, 7.6, -20.0),
                    (3.1, -2.7, 7.6, -60.0),
                    (3.8, -2.7, 7.6, -60.0),
                    (4.3, -2.7, 7.6, 0.0),
                    (9.0, -2.7, 7.6, 0.0),
                    (9.5, -2.7, 7.6, -60.0),
                    (10.3, -2.7, 7.6, -60.0),
                    (10.8, -2.7, 7.6, -20.0),
                    (15.0, -2.7, 7.6, -20.0),
                ),
                flip=True,
                tint=COOL,
                clothes=(120, 60, 60),
                walk=False,
                stature=0.95,
                note="stands by the pictures, twice turns her head far away for about a second",
            ),
            Person(
                "astronaut",
                ((0.0, -0.8, 10.4, 0.0), (3.0, -0.8, 10.4, 0.0), (15.0, -4.6, 9.9, -10.0)),
                tint=COOL,
                clothes=(40, 40, 45),
                note="waits at the back, then strolls left",
                stature=0.98,
            ),
            Person(
                None,
                ((0.0, 0.3, 4.6, 0.0), (15.0, -1.8, 11.5, 0.0)),
                clothes=(150, 130, 70),
                note="walks away, back to the camera",
            ),
            Person(
                "grace_hopper",
                (
                    (6.0, -3.4, 5.1, 35.0),
                    (9.5, -1.6, 4.9, 35.0),
                    (10.5, -1.6, 4.9, 35.0),
                    (14.0, -3.6, 5.3, -40.0),
                ),
                tint=WARM,
                clothes=(50, 60, 120),
                note="enters from the left edge and leaves again",
            ),
        ),
        scene=_hall_scene,
        foreground=lambda cam: [_pillar(cam, 1.8, 5.8, 0.22)],
        light=lambda t: 1.0,
        ambient=0.85,
        noise=2.6,
        seed=12,
    )
)

_add(
    Clip(
        name="lobby",
        seconds=15.0,
        range="full",
        description=(
            "A lobby camera above the entrance. One person comes in through the glass doors and walks "
            "towards the camera until her face leaves the bottom edge (about 16 to 100 px); others cross "
            "at middle distance, one on the phone (hand at the cheek), one enters through a side door and "
            "leaves through the right edge. A tube flickers for a second."
        ),
        camera=Camera(height=2.8, pitch_deg=12.0, focal=950.0),
        label="CAM 03 LOBBY",
        people=(
            Person(
                "grace_hopper",
                ((0.0, -0.2, 11.8, 0.0), (10.5, 0.35, 1.9, 0.0), (11.4, 0.4, 1.25, 0.0)),
                note="comes in at the back and walks under the camera",
            ),
            Person(
                "astronaut",
                ((0.5, -5.8, 4.6, 30.0), (8.5, 5.6, 4.4, 30.0)),
                clothes=(60, 60, 150),
                note="crosses left to right",
            ),
            Person(
                "grace_hopper",
                ((3.0, 5.5, 6.2, -30.0), (13.5, -5.5, 6.8, -30.0)),
                flip=True,
                tint=COOL,
                clothes=(50, 90, 60),
                covers=(Cover("phone", 5.8, 7.1),),
                stature=1.03,
                note="crosses right to left, phone at the cheek",
            ),
            Person(
                "astronaut",
                ((6.0, -4.4, 7.05, 60.0), (7.0, -3.3, 7.0, 20.0), (15.0, 5.8, 5.6, 20.0)),
                flip=True,
                tint=DARKER,
                clothes=(160, 160, 165),
                stature=1.05,
                note="enters through the left side door, leaves right",
            ),
        ),
        scene=_lobby_scene,
        light=lambda t: _flicker(t, 9.0, 10.2, 3),
        ambient=0.88,
        noise=2.6,
        seed=13,
    )
)

_add(
    Clip(
        name="corridor",
        seconds=12.0,
        range="full",
        description=(
            "A long corridor seen from one end. Three people walk towards the camera (faces from about 15 px "
            "up to about 130 px); one wears a cap pulled down for a while; one leaves by the left edge, one "
            "by the bottom. The lights dim to less than half and come back, then flicker."
        ),
        camera=Camera(height=2.45, pitch_deg=7.0, focal=1100.0),
        label="CAM 04 CORRIDOR",
        people=(
            Person(
                "astronaut",
                ((0.0, 0.25, 16.0, 0.0), (11.0, 0.3, 2.2, 0.0), (12.0, 0.55, 1.6, 0.0)),
                tint=WARM,
                clothes=(110, 80, 50),
                note="walks the length of the corridor towards the camera",
            ),
            Person(
                "grace_hopper",
                ((1.5, -0.5, 13.0, 0.0), (10.5, -0.45, 4.6, 0.0), (12.0, -0.45, 3.4, 0.0)),
                flip=True,
                covers=(Cover("cap", 4.5, 5.8, 0.4),),
                note="follows; pulls a cap down over her eyes for a moment",
            ),
            Person(
                "astronaut",
                ((0.0, -0.55, 12.5, 0.0), (8.8, -0.95, 2.6, -10.0), (10.2, -1.05, 1.3, -25.0)),
                flip=True,
                tint=COOL,
                clothes=(40, 40, 40),
                note="walks towards the camera and leaves by the left edge",
            ),
        ),
        scene=_corridor_scene,
        light=lambda t: (
            _ramp(t, [(0.0, 1.0), (3.0, 1.0), (4.5, 0.42), (6.5, 0.42), (7.8, 1.0)])
            * _flicker(t, 9.5, 10.5, 4)
        ),
        ambient=0.85,
        noise=2.8,
        seed=14,
    )
)


#: The wide camera's picture: visitors steer a window inside it (a digital pan-tilt-zoom head).
WIDE = (1920, 1080)


def _gallery_scene(img: np.ndarray, cam: Camera) -> None:
    room = Room(
        6.0,
        10.0,
        3.4,
        floor=(112, 104, 98),
        wall=(202, 198, 190),
        back=(188, 186, 180),
        ceiling_colour=(214, 214, 210),
        tile=0.8,
    )
    draw_room(img, cam, room)
    lamps(img, cam, room.ceiling, (-3.0, 0.0, 3.0), (2.5, 5.5, 8.5), 0.7)
    for i, colour in enumerate(
        [(70, 100, 150), (150, 100, 70), (60, 130, 100), (120, 70, 130), (90, 150, 170)]
    ):
        x0 = -5.2 + i * 2.15
        frame_z(img, cam, room.depth, x0, x0 + 1.3, 1.2, 2.3, colour)
    frame_x(img, cam, -room.half_width, 4.0, 5.8, 1.1, 2.3, (80, 120, 160))
    frame_x(img, cam, -room.half_width, 6.8, 8.4, 1.2, 2.2, (160, 140, 90))
    door_x(img, cam, room.half_width, GALLERY_DOOR[0], (60, 80, 110), GALLERY_DOOR[1] - GALLERY_DOOR[0])
    box_solid(img, cam, -1.0, 1.0, 6.2, 6.7, 0.45, (90, 80, 70))  # a bench
    box_solid(img, cam, -4.4, -3.6, 7.5, 8.3, 1.0, (150, 152, 156))  # a plinth


#: The staff door on the gallery's right wall: from and to these depths (metres).
GALLERY_DOOR = (6.9, 8.0)

_add(
    Clip(
        name="gallery",
        seconds=10.0,
        range="full",
        description=(
            "A wide camera in a corner of a gallery, 1920x1080, for steering: visitors move a window "
            "inside it. One visitor crosses the room, one stands by a picture on the left and turns "
            "to the camera and away again, one walks from the back towards the camera, and one comes "
            "out of the staff door on the right wall and walks into the room. Faces 30 to 90 px."
        ),
        camera=Camera(
            height=2.5,
            pitch_deg=9.0,
            focal=1100.0,
            cx=WIDE[0] / 2,
            cy=WIDE[1] / 2,
            width=WIDE[0],
            rows=WIDE[1],
        ),
        label="CAM 05 GALLERY",
        people=(
            Person(
                "astronaut",
                ((0.0, -4.2, 4.4, 25.0), (10.0, 4.2, 4.1, 25.0)),
                note="crosses the room from left to right",
                stature=1.02,
            ),
            Person(
                "grace_hopper",
                (
                    (0.0, -2.5, 3.3, -55.0),
                    (3.0, -2.5, 3.3, -55.0),
                    (3.6, -2.5, 3.3, 0.0),
                    (7.0, -2.5, 3.3, 0.0),
                    (7.6, -2.5, 3.3, -50.0),
                    (10.0, -2.5, 3.3, -50.0),
                ),
                flip=True,
                tint=COOL,
                clothes=(120, 60, 60),
                walk=False,
                stature=0.96,
                note="stands by a picture on the left, turns to the camera and away again",
            ),
            Person(
                "astronaut",
                ((0.0, 1.6, 5.6, 0.0), (8.5, 0.8, 2.3, 0.0), (10.0, 0.8, 2.3, 0.0)),
                flip=True,
                tint=DARKER,
                clothes=(70, 110, 40),
                note="walks from the back towards the camera and stops",
                stature=1.05,
            ),
            Person(
                "grace_hopper",
                ((1.5, 5.6, 7.4, 80.0), (2.5, 5.0, 7.2, 40.0), (9.0, 1.8, 4.6, 20.0), (10.0, 1.6, 4.4, 20.0)),
                tint=WARM,
                clothes=(50, 60, 120),
                note="comes out of the staff door on the right and walks into the room",
            ),
        ),
        scene=_gallery_scene,
        ambient=0.9,
        noise=2.4,
        seed=15,
        crf=28,
        folder="wide",
    )
)


# ---------------------------------------------------------------------------
# Rendering and writing
# ---------------------------------------------------------------------------


def _composite(frame: np.ndarray, layer: Layer, faces: list[FaceRecord]) -> None:
    """Put a layer over the frame and count how much of earlier faces it hides."""
    h, w = layer.rgba.shape[:2]
    x0, y0 = layer.x0, layer.y0
    x1, y1 = min(frame.shape[1], x0 + w), min(frame.shape[0], y0 + h)
    if x1 <= x0 or y1 <= y0:
        return
    rgba = layer.rgba[: y1 - y0, : x1 - x0]
    a = rgba[..., 3:4]
    roi = frame[y0:y1, x0:x1]
    roi *= 1 - a
    roi += rgba[..., :3] * 255
    for face in faces:
        bx0, by0, bx1, by1 = face.bounds
        ix0, iy0, ix1, iy1 = max(bx0, x0), max(by0, y0), min(bx1, x1), min(by1, y1)
        if ix1 > ix0 and iy1 > iy0:
            part = a[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0, 0]
            sub = face.hidden[iy0 - by0 : iy1 - by0, ix0 - bx0 : ix1 - bx0]
            sub[...] = 1 - (1 - sub) * (1 - part)


def _face_entry(face: FaceRecord, width: int, height: int) -> dict[str, object] | None:
    x, y, w, h = face.box
    area = w * h
    bx0, by0, bx1, by1 = face.bounds
    inside = max(0.0, min(x + w, width) - max(x, 0)) * max(0.0, min(y + h, height) - max(y, 0))
    outside = 1 - inside / area
    occluded = float(face.hidden.mean()) if face.hidden.size else 1.0
    if inside <= 0 or occluded >= 0.995:
        return None
    return {
        "track": face.track,
        "box": [round(x, 1), round(y, 1), round(w, 1), round(h, 1)],
        "occluded": round(occluded, 2),
        "outside": round(max(0.0, outside), 2),
        "yaw": int(round(face.yaw)),
    }


def _osd(img: np.ndarray, label: str, t: float) -> None:
    """The camera's burned-in label and clock, as CCTV recorders draw them."""
    secs = int(14 * 3600 + 2 * 60 + 7 + t)
    clock = f"2024-05-18 {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    for text, org in ((label, (28, 44)), (clock, (img.shape[1] - 360, 44))):
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.8, (235, 235, 235), 1, cv2.LINE_AA)


def iter_frames(
    clip: Clip, cutouts: dict[str, np.ndarray]
) -> Iterator[tuple[int, np.ndarray, list[dict[str, object]]]]:
    """Yield ``(index, BGR uint8 frame, ground-truth faces)`` for each frame."""
    rng = np.random.default_rng(clip.seed)
    cam = clip.camera
    background = np.zeros((cam.rows, cam.width, 3), np.float32)
    clip.scene(background, clip.camera)
    background = finish_background(background, rng)
    foreground = clip.foreground(clip.camera)
    sprites = [make_sprite(p, cutouts, clip.ambient) for p in clip.people]
    # Sensor noise: a bank of noise fields reused in random order, plus fixed-pattern grain.
    bank = [rng.normal(0, clip.noise, (cam.rows, cam.width, 1)).astype(np.float32) for _ in range(6)]
    chroma = [rng.normal(0, clip.noise * 0.4, (cam.rows, cam.width, 3)).astype(np.float32) for _ in range(3)]
    grain = cv2.GaussianBlur(rng.normal(0, 1.5, (cam.rows, cam.width)).astype(np.float32), (0, 0), 0.7)[
        ..., None
    ]
    count = int(round(clip.seconds * FPS))
    for index in range(count):
        t = index / FPS
        frame = background.copy()
        layers: list[tuple[Layer, FaceRecord | None]] = [(layer, None) for layer in foreground]
        for track, (person, sprite) in enumerate(zip(clip.people, sprites, strict=True), start=1):
            drawn = render_person(person, sprite, clip.camera, t, clip.ambient, track)
            if drawn is not None:
                layers.append(drawn)
        layers.sort(key=lambda item: -item[0].depth)
        faces: list[FaceRecord] = []
        for layer, record in layers:
            _composite(frame, layer, faces)
            if record is not None:
                faces.append(record)
        frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.6), np.float32)
        frame *= clip.light(t)
        frame += bank[int(rng.integers(len(bank)))]
        frame += chroma[int(rng.integers(len(chroma)))]
        frame += grain
        image = np.clip(frame, 0, 255).astype(np.uint8)
        _osd(image, clip.label, t)
        ordered = sorted(faces, key=lambda f: f.track)
        entries = [e for e in (_face_entry(f, cam.width, cam.rows) for f in ordered) if e is not None]
        yield index, image, entries


def write_clip(clip: Clip, cutouts: dict[str, np.ndarray], out_dir: Path) -> None:
    """Encode one clip to ``<name>.mp4`` and its ground truth to ``<name>.json`` (in its folder)."""
    out_dir = out_dir / clip.folder if clip.folder else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{clip.name}.mp4"
    truth: list[list[dict[str, object]]] = []
    with av.open(str(video), "w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = clip.camera.width, clip.camera.rows, "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        stream.codec_context.thread_count = 2
        stream.options = {
            "crf": str(clip.crf),
            "preset": "medium",
            "flags": "+bitexact",
            "x264-params": "keyint=60:min-keyint=30:scenecut=0",
        }
        # x264 writes its version and settings into the stream as SEI user data; drop it.
        bsf = av.bitstream.BitStreamFilterContext("filter_units=remove_types=6", stream)

        def mux(packets: Sequence[av.Packet]) -> None:
            for packet in packets:
                for out in bsf.filter(packet):
                    out.stream = stream
                    container.mux(out)

        for index, image, faces in iter_frames(clip, cutouts):
            truth.append(faces)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = index
            frame.time_base = Fraction(1, FPS)
            mux(stream.encode(frame))
        mux(stream.encode(None))
        for out in bsf.filter(None):
            out.stream = stream
            container.mux(out)
    tracks = [
        {"track": i, "photo": p.photo or "none (seen from behind)", "flipped": p.flip, "note": p.note}
        for i, p in enumerate(clip.people, start=1)
        if p.photo is not None
    ]
    doc = {
        "clip": clip.name,
        "video": video.name,
        "width": clip.camera.width,
        "height": clip.camera.rows,
        "fps": FPS,
        "frame_count": len(truth),
        "range": clip.range,
        "description": clip.description,
        "tracks": tracks,
        "frames": truth,
    }
    _write_json(out_dir / f"{clip.name}.json", doc)


def _write_json(path: Path, doc: dict[str, object]) -> None:
    """Pretty at the top, one line per frame, so diffs stay readable."""
    head = {k: v for k, v in doc.items() if k != "frames"}
    text = json.dumps(head, indent=2)[:-2]
    frames: list[list[dict[str, object]]] = doc["frames"]  # type: ignore[assignment]
    lines = [json.dumps(faces, separators=(",", ":")) for faces in frames]
    text += ',\n  "frames": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"
    json.loads(text)
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clips", nargs="*", help=f"clips to make: {', '.join(CLIPS)} (default: all)")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: beside this script)")
    parser.add_argument("--measure", action="store_true", help="print the photos' face boxes and exit")
    args = parser.parse_args(argv)
    if args.measure:
        measure_faces()
        return 0
    unknown = [name for name in args.clips if name not in CLIPS]
    if unknown:
        parser.error(f"unknown clip {unknown[0]!r}; choose from {', '.join(CLIPS)}")
    cutouts = {name: cut_out(photo) for name, photo in PHOTOS.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.clips or list(CLIPS):
        start = time.monotonic()
        write_clip(CLIPS[name], cutouts, args.out)
        folder = args.out / CLIPS[name].folder
        size = (folder / f"{name}.mp4").stat().st_size / 1e6
        print(f"{name}: {size:.2f} MB in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
