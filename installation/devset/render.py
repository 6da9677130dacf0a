"""Film the development set's labelled photos into clips with ground truth.

    python -m installation.devset.render [--part tune|report|all] [--seconds S]
    python -m installation.devset.render --part tune --seed 1   # more shots of the tune part
    python -m installation.devset.render --sample     # the two photos that ship in packages

For each part of the split, a fixed number of seeded shots is planned over
its photos: the g-th shot takes motion ``g mod 6``, light ``(g + g div 6)
mod 3`` and face size band ``g mod 5``, so every motion meets every light
and every size band is covered. Each shot is written as an H.264 MP4 with
the installation's own writer and a ground-truth JSON in the format of
``assets/footage/*.json`` (see its README), with three more keys:
``"part"``, ``"condition"`` (``motion``, ``light``, ``compression``) and
``"photo"``. Clips go to ``<root>/clips/<part>/``; the root is
``$MONITORING_ROOM_DEVSET`` or the user's cache folder. The same command
gives the same clips, byte for byte, with the same library versions.

``--seed N`` (N from 1) plans the part's shots again with other draws: the
same photos in another order, so each meets other motions, lights and
sizes, at other face sizes and camera paths. They go to
``<root>/clips/<part>-s<N>/`` and are measured like a part
(``installation bench --devset --part tune-s1``). Seeds of the tune part
are more footage to tune on; the report part is measured at seed 0 only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from installation.devset.camera import LIGHTS, MOTIONS, SIZE_BANDS, Photo, PhotoFace, Shot
from installation.devset.labels import devset_root, load_labels, load_split
from installation.errors import InstallationError, UsageError
from installation.geometry import Box

PARTS = ("tune", "report")
#: Face heights (pixels) aimed at in each size band: inside it with room for zoom and roll.
BAND_TARGETS: tuple[tuple[float, float], ...] = ((15, 21), (29, 42), (56, 84), (110, 170), (205, 290))
#: Shots per part unless asked otherwise: with 5 s each, both parts render in a few minutes.
SHOTS_PER_PART = 24
#: Clips filmed of the two portraits (``--sample``) unless asked otherwise.
SAMPLE_SHOTS = 12
#: Seconds per clip unless asked otherwise.
CLIP_SECONDS = 5.0
#: The detector range every clip is meant for: a room camera.
CLIP_RANGE = "full"

#: The two public-domain portraits that ship inside scikit-image and matplotlib, labelled by
#: hand (brow to chin, cheek to cheek), for trying the camera without the development set.
SAMPLE_FACES = {"astronaut": Box(179, 86, 90, 93), "grace_hopper": Box(180, 165, 172, 165)}
assert len(BAND_TARGETS) == len(SIZE_BANDS)


def clips_dir(part: str, root: Path | None = None, seed: int = 0) -> Path:
    """The folder a part's rendered clips go to (``<part>-s<seed>`` for a seed other than 0).

    >>> clips_dir("tune", Path("/d")).as_posix(), clips_dir("tune", Path("/d"), seed=2).as_posix()
    ('/d/clips/tune', '/d/clips/tune-s2')
    """
    return (root or devset_root()) / "clips" / (f"{part}-s{seed}" if seed else part)


def load_photos(part: str) -> list[Photo]:
    """The labelled photos of one part of the split, read upright from the cache folder.

    ``split.json`` may list photo ids or source ids. Faces in a picture inside
    the picture (``printed``) are kept as faces: hiding a poster's face is
    what the installation should do, so missing one counts against it. A photo
    whose file is missing is a :class:`UsageError` naming it (run the fetch
    first).
    """
    labels, split = load_labels(), load_split()
    wanted = set(split.tune if part == "tune" else split.report)
    photos = []
    for photo_id, entry in sorted(labels.photos.items()):
        if photo_id not in wanted and entry.source not in wanted:
            continue
        faces = [PhotoFace(f.box, masked=f.masked, occluded=f.occluded, yaw=f.yaw) for f in entry.faces]
        if faces:
            photos.append(Photo(photo_id, entry.load(), faces, source=entry.source))
    return photos


def sample_photos() -> list[Photo]:
    """The astronaut and Grace Hopper portraits with their hand-drawn face boxes."""
    try:
        import matplotlib.cbook
        from skimage import data
    except ImportError as exc:
        raise UsageError(f"--sample needs scikit-image and matplotlib: {exc}") from None
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    hopper = cv2.imread(str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return [
        Photo("astronaut", astronaut, [PhotoFace(SAMPLE_FACES["astronaut"])], source="scikit-image"),
        Photo("grace_hopper", hopper, [PhotoFace(SAMPLE_FACES["grace_hopper"])], source="matplotlib"),
    ]


@dataclass(frozen=True)
class Plan:
    """One clip to render."""

    name: str
    photo: Photo
    motion: str
    light: str
    face_px: float
    seed: int


def plan(photos: Sequence[Photo], part: str, shots: int = SHOTS_PER_PART, seed: int = 0) -> list[Plan]:
    """``shots`` seeded clips over ``photos`` covering every motion, light and size band.

    >>> import numpy as np
    >>> grey = Photo("p", np.zeros((10, 10, 3), np.uint8), [PhotoFace(Box(2, 2, 4, 4))])
    >>> [(p.motion, p.light) for p in plan([grey], "tune", shots=7)][5:]
    [('shake', 'compressed'), ('still', 'dim')]
    """
    if not photos:
        return []
    order = np.random.default_rng(zlib.crc32(f"{part}:{seed}".encode())).permutation(len(photos))
    plans = []
    for g in range(shots):
        photo = photos[int(order[g % len(photos)])]
        motion, light, band = MOTIONS[g % 6], LIGHTS[(g + g // 6) % 3], g % 5
        clip_seed = zlib.crc32(f"{part}:{seed}:{g}:{photo.id}".encode())
        low, high = BAND_TARGETS[band]
        face_px = round(float(np.random.default_rng(clip_seed).uniform(low, high)), 1)
        name = f"{g:02d}-{_slug(photo.id)}-{motion}-{light}-{face_px:.0f}px"
        plans.append(Plan(name, photo, motion, light, face_px, clip_seed))
    return plans


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(filter(None, keep.split("-")))[:40]


def _target(photo: Photo) -> int:
    """The face the camera aims at: the largest."""
    return max(range(len(photo.faces)), key=lambda i: photo.faces[i].box.area)


def render_clip(
    item: Plan,
    folder: Path,
    part: str,
    *,
    seconds: float = 5.0,
    fps: float = 30.0,
    size: tuple[int, int] = (1280, 720),
    crf: int = 20,
) -> Path:
    """Film one planned clip into ``folder/<name>.mp4`` with ``<name>.json`` beside it; returns the video."""
    from installation.outputs import VideoWriter

    shot = Shot(
        item.photo,
        motion=item.motion,
        light=item.light,
        face_px=item.face_px,
        seconds=seconds,
        fps=fps,
        size=size,
        seed=item.seed,
        target=_target(item.photo),
    )
    video = folder / f"{item.name}.mp4"
    frames: list[list[dict[str, object]]] = []
    with VideoWriter(video, fps=fps, size=size, crf=crf) as writer:
        for frame in shot.frames():
            writer.write(frame.image)
            frames.append([f.as_truth() for f in frame.faces])
    doc = {
        "clip": item.name,
        "video": video.name,
        "width": size[0],
        "height": size[1],
        "fps": fps,
        "frame_count": len(frames),
        "range": CLIP_RANGE,
        "description": f"Photo {item.photo.id} ({item.photo.source or 'unknown source'}) "
        f"filmed by the virtual camera: {item.motion}, {item.light}, "
        f"target face about {item.face_px:g} px high.",
        "part": part,
        "condition": shot.condition(),
        "photo": item.photo.id,
        "seed": item.seed,
        "tracks": [
            {"track": i, "photo": item.photo.id, "flipped": False, "masked": face.masked, "note": ""}
            for i, face in enumerate(item.photo.faces, start=1)
        ],
    }
    head = json.dumps(doc, indent=2)
    body = ",\n".join("    " + json.dumps(faces, separators=(",", ":")) for faces in frames)
    text = head[:-2] + ',\n  "frames": [\n' + body + "\n  ]\n}\n"
    tmp = video.with_suffix(".json.partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, video.with_suffix(".json"))
    return video


def render_part(
    photos: Sequence[Photo],
    part: str,
    *,
    root: Path | None = None,
    shots: int = SHOTS_PER_PART,
    seconds: float = 5.0,
    size: tuple[int, int] = (1280, 720),
    quiet: bool = False,
    seed: int = 0,
) -> list[Path]:
    """Render a part's clips (planned with ``seed``), replacing what its folder held; returns the videos."""
    folder = clips_dir(part, root, seed)
    folder.mkdir(parents=True, exist_ok=True)
    for old in list(folder.glob("*.mp4")) + list(folder.glob("*.json")):
        old.unlink()
    videos = []
    for item in plan(photos, part, shots, seed=seed):
        t0 = time.perf_counter()
        videos.append(render_clip(item, folder, part, seconds=seconds, size=size))
        if not quiet:
            print(f"{folder.name}/{item.name}.mp4 ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return videos


def render_named(name: str, *, root: Path | None = None) -> list[Path] | None:
    """Film, with the default shots and length, the clips a folder ``name`` is for: a part
    (``tune``, ``report``), a seed of the tune part (``tune-s<N>``) or ``sample``; None when
    ``name`` is none of them. Missing photos are a :class:`UsageError` that says to fetch them.

    >>> render_named("tune-s0") is None, render_named("report-s1") is None
    (True, True)
    """
    if name == "sample":
        photos, part, seed, shots = sample_photos(), "sample", 0, SAMPLE_SHOTS
    else:
        match = re.fullmatch(r"(tune|report)(?:-s([1-9][0-9]{0,2}))?", name)
        if match is None or (match[1] == "report" and match[2]):
            return None
        part, seed, shots = match[1], int(match[2] or 0), SHOTS_PER_PART
        photos = load_photos(part)
        if not photos:
            raise UsageError(f"split.json: no labelled photo in the {part} part")
    print(f"filming {shots} clips of {CLIP_SECONDS:g} s into {clips_dir(part, root, seed)}", file=sys.stderr)
    return render_part(photos, part, root=root, shots=shots, seconds=CLIP_SECONDS, seed=seed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m installation.devset.render", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--part", choices=(*PARTS, "all"), default="all", help="which part of the split (default all)"
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help="film the astronaut and Grace Hopper portraits into clips/sample instead "
        "(not the development set: for trying things out)",
    )
    parser.add_argument(
        "--seconds", type=float, default=CLIP_SECONDS, help=f"length of each clip (default {CLIP_SECONDS:g})"
    )
    parser.add_argument(
        "--shots",
        type=int,
        default=0,
        help=f"clips per part (default {SHOTS_PER_PART}; --sample: {SAMPLE_SHOTS})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="plan the part's shots with other draws, into clips/<part>-s<SEED> (default 0: the part itself)",
    )
    args = parser.parse_args(argv)
    try:
        if not 1.0 <= args.seconds <= 60.0:
            raise UsageError(f"--seconds: expected 1 to 60, got {args.seconds}")
        if not 0 <= args.seed <= 999:
            raise UsageError(f"--seed: expected 0 to 999, got {args.seed}")
        if args.seed and (args.sample or args.part != "tune"):
            raise UsageError("--seed: only for --part tune (the report part is measured as planned)")
        t0 = time.perf_counter()
        total = 0
        if args.sample:
            total += len(
                render_part(sample_photos(), "sample", shots=args.shots or SAMPLE_SHOTS, seconds=args.seconds)
            )
            parts: tuple[str, ...] = ()
        else:
            parts = PARTS if args.part == "all" else (args.part,)
        for part in parts:
            photos = load_photos(part)
            if not photos:
                raise UsageError(f"split.json: no labelled photo in the {part} part")
            total += len(
                render_part(
                    photos, part, shots=args.shots or SHOTS_PER_PART, seconds=args.seconds, seed=args.seed
                )
            )
    except InstallationError as exc:
        print(f"render: {exc}", file=sys.stderr)
        return exc.exit_code
    print(
        f"{total} clips in {time.perf_counter() - t0:.0f} s under {devset_root() / 'clips'}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
