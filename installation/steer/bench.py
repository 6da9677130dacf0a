"""Steering on the bench: ``installation bench --steer``.

Three measures on the bundled wide clip (``assets/footage/wide``), whose
ground truth gives every face in every frame:

- **Privacy while the view moves, digital head.** A digital head is driven by
  a script over the clip, as visitors would drive it: slow pans, a zoom in
  onto a visitor who walks towards the camera (the view following her), and
  fast moves from corner to corner at the fastest speed a config allows. The
  camera's own pipeline (its detector, the tracker, the effect at strength 0,
  the lightest) processes every frame of the whole picture; the view is drawn
  at 60 frames a second, as on a large monitor 1280 pixels wide, and every
  face the view shows (at least 24 px of it high in the camera's pixels) is
  scored with the leak measure. Also counted: view frames whose picture was
  hidden whole. Privacy zones are left out, so every face must be hidden by
  detection and tracking alone.
- **Privacy while the camera turns, servo and network heads.** A simulated
  head (:mod:`installation.steer.simulated`) turns a camera over the clip
  with a servo's or a network camera's speeds, driven by the same kinds of
  script: the pipeline sees only what the camera delivers (1280x720), whose
  whole picture moves when the head turns and whose faces come in at its
  edges, smeared by the turn while the shutter is open and late by the
  camera's delay, the hint matched to it by the config's default ``delay``.
  Each run is made twice, with the head's hint
  (:mod:`installation.steer.hint`) and without it, and every face of 24 px
  and more in the camera's picture is scored.
- **Input to view.** The room itself (SDL's dummy driver, 1920x1080, 60 fps)
  shows the wide camera on its large monitor; keys and the panel's joystick
  are pressed at random moments from another thread, and the time from each
  press to the end of drawing the first frame whose view moved by a screen
  pixel or more is measured.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from installation.effects import Effect
from installation.errors import InstallationError
from installation.geometry import Box
from installation.leak import LEAK_THRESHOLD, leak_score
from installation.scoring import hidden_masks
from installation.steer.digital import DigitalHead, Motion
from installation.steer.head import HeadLimits, Pose
from installation.steer.hint import DEFAULT_FOV, HeadHint
from installation.steer.simulated import CAMERA_SIZE, SimulatedHead, Speeds, Timing

if TYPE_CHECKING:
    from installation.config import CameraConfig
    from installation.frames import Processed
    from installation.groundtruth import GroundTruth
    from installation.pipeline import Processor

log = logging.getLogger(__name__)

#: The view is drawn this large when it is scored (a large monitor on a 1920x1080 screen).
VIEW_SIZE = (1280, 720)
#: Frames a second the view is drawn at.
VIEW_FPS = 60.0
#: Faces smaller than this (pixels high, in the camera's picture) are not counted.
MIN_FACE_PX = 24.0


@dataclass
class RunResult:
    """One scripted run: view frames drawn, faces scored in them, leaks, frames hidden whole.

    ``head`` is the kind of head driven (``digital``, ``servo``, ``PTZ``); for the heads that
    turn the camera, ``hint`` says whether the pipeline was told how the head moved, and
    ``hinted`` counts the frames whose camera motion it took from the head.
    """

    name: str
    camera_frames: int = 0
    view_frames: int = 0
    faces: int = 0
    leaked: int = 0
    hidden_whole: int = 0
    processed_fps: float = 0.0
    leaked_examples: list[tuple[int, int, float]] = field(default_factory=list)
    head: str = "digital"
    hint: bool | None = None
    hinted: int = 0
    #: The sum over view frames of the share of the picture hidden where no face is (None: not
    #: measured; a digital head's view is cut from the hidden sensor frame).
    falsely_hidden: float | None = None

    @property
    def hidden_share(self) -> float:
        return self.hidden_whole / self.view_frames if self.view_frames else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.name,
            "head": self.head,
            "hint": self.hint,
            "camera_frames": self.camera_frames,
            "view_frames": self.view_frames,
            "face_frames_in_view": self.faces,
            "leaked_face_frames": self.leaked,
            "view_frames_hidden_whole": self.hidden_whole,
            "hidden_whole_share": round(self.hidden_share, 4),
            "frames_moved_by_hint": self.hinted,
            "falsely_hidden_share": (
                None
                if self.falsely_hidden is None
                else round(self.falsely_hidden / max(1, self.view_frames), 4)
            ),
            "processed_fps": round(self.processed_fps, 1),
            "leaked_examples": self.leaked_examples[:10],
        }


#: A script: called once a view frame with the time (seconds from the start), the head and the
#: faces of the camera frame shown; it commands the head.
Script = Callable[[float, DigitalHead, "GroundTruth", int], None]


def _pans(t: float, head: DigitalHead, truth: GroundTruth, frame: int) -> None:
    """Slow sweeps across the room and back, tilting a little."""
    phase = int(t // 2.5) % 4
    speeds = [(0.5, 0.2, 0.0), (-0.5, -0.2, 0.0), (-0.5, 0.2, 0.0), (0.5, -0.2, 0.0)][phase]
    head.move(*speeds)


def _follow(track: int, zoom: float) -> Script:
    """Zoom in onto visitor ``track`` and keep her in the middle of the view."""

    def script(t: float, head: DigitalHead, truth: GroundTruth, frame: int) -> None:
        face = next((f for f in truth.faces(frame) if f.track_id == track), None)
        if face is None or round(t * VIEW_FPS) % 15:
            return  # a new aim four times a second, as a hand on a joystick would give
        share = (1.0 - head.view) / 2
        pan = (face.box.cx / truth.width - 0.5) / share
        tilt = (0.5 - face.box.cy / truth.height) / share
        head.go_to(Pose(pan, tilt, zoom))

    return script


def _fast(t: float, head: DigitalHead, truth: GroundTruth, frame: int) -> None:
    """From corner to corner and in and out, as fast as the head goes."""
    corners = [Pose(-1.0, -1.0, 2.0), Pose(1.0, 1.0, 1.0), Pose(1.0, -1.0, 3.0), Pose(-1.0, 1.0, 1.5)]
    head.go_to(corners[int(t // 0.7) % len(corners)])


#: The runs, and the top speed each allows (a config's ``speed``: 1 is the default, 4 the fastest).
RUNS: dict[str, tuple[Script, float]] = {
    "pans": (_pans, 1.0),
    "zoom in": (_follow(track=3, zoom=3.5), 1.0),
    "fast moves": (_fast, 4.0),
}


def _visible(face: Box, window: Box) -> Box | None:
    """The part of ``face`` the window shows, in the view's pixels (None: under :data:`MIN_FACE_PX`
    of it high, or under half of that wide)."""
    x0, y0 = max(face.x, window.x), max(face.y, window.y)
    x1, y1 = min(face.x + face.w, window.x + window.w), min(face.y + face.h, window.y + window.h)
    if y1 - y0 < MIN_FACE_PX or x1 - x0 < MIN_FACE_PX / 2:
        return None
    sx, sy = VIEW_SIZE[0] / window.w, VIEW_SIZE[1] / window.h
    return Box((x0 - window.x) * sx, (y0 - window.y) * sy, (x1 - x0) * sx, (y1 - y0) * sy)


def _bare_processor(camera: CameraConfig) -> Processor:
    """``camera``'s pipeline without its privacy zones: detection and tracking alone must hide
    every face."""
    from installation.config import Config
    from installation.pipeline import build_processor

    steer = camera.steer
    zones, steer.privacy_zones = steer.privacy_zones, []
    try:
        return build_processor(camera, Config(cameras=[camera]))
    finally:
        steer.privacy_zones = zones


#: A script for a head that turns the camera: called once a camera frame with the time (seconds
#: from the start), the head, the ground truth and the frame; it commands the head.
TurnScript = Callable[[float, SimulatedHead, "GroundTruth", int], None]


def _turn_pans(t: float, head: SimulatedHead, truth: GroundTruth, frame: int) -> None:
    """Slow sweeps across the room and back at half the head's top speed, tilting a little."""
    phase = int(t // 2.5) % 4
    speeds = [(0.5, 0.2), (-0.5, -0.2), (-0.5, 0.2), (0.5, -0.2)][phase]
    head.move(*speeds)


def _turn_follow(track: int, zoom: float) -> TurnScript:
    """Zoom in onto visitor ``track`` and keep her in the middle of the picture."""

    def script(t: float, head: SimulatedHead, truth: GroundTruth, frame: int) -> None:
        face = next((f for f in truth.faces(frame) if f.track_id == track), None)
        if face is None or frame % max(1, round(truth.fps / 4)):
            return  # a new aim four times a second, as a hand on a joystick would give
        head.go_to(head.towards(face.box.cx, face.box.cy, zoom))

    return script


def _turn_fast(t: float, head: SimulatedHead, truth: GroundTruth, frame: int) -> None:
    """From corner to corner and in and out (a head that can zoom), as fast as the head goes."""
    corners = [Pose(-1.0, -1.0, 2.0), Pose(1.0, 1.0, 1.0), Pose(1.0, -1.0, 3.0), Pose(-1.0, 1.0, 1.5)]
    head.go_to(corners[int(t // 0.7) % len(corners)])


#: A servo head: 60 degrees a second at full speed (the default), no zoom.
SERVO = Speeds(turn=60.0)
#: The fastest a servo head may be set to turn: the board's own ceiling.
SERVO_FASTEST = Speeds(turn=180.0)
#: A network camera as Sony's EVI-D70 moves: 100 degrees a second, slower as it zooms in, its zoom
#: from 1x to 18x in about three seconds.
PTZ = Speeds(turn=100.0, zoom=1.5, proportional=True)

#: A USB camera on the servo head: the shutter open 1/60 s, a picture reaching the host two frames
#: after it was taken.
USB_TIMING = Timing(exposure=1 / 60, delay=2 / 30)
#: A network camera: the shutter open 1/60 s, a picture reaching the host 0.15 s after it was taken
#: (encoding, the network, decoding), its position read back ten times a second while it moves.
NETWORK_TIMING = Timing(exposure=1 / 60, delay=0.15, readings=0.1)

#: The runs of heads that turn the camera: the script, the head's speeds, its zoom range, and how
#: its camera and reports lag.
TURNS: dict[str, tuple[TurnScript, Speeds, tuple[float, float], Timing]] = {
    "servo pans": (_turn_pans, SERVO, (1.0, 1.0), USB_TIMING),
    "PTZ zoom in": (_turn_follow(track=3, zoom=3.5), PTZ, (1.0, 4.0), NETWORK_TIMING),
    "servo fast": (_turn_fast, SERVO_FASTEST, (1.0, 1.0), USB_TIMING),
    "PTZ fast": (_turn_fast, PTZ, (1.0, 4.0), NETWORK_TIMING),
}


def turn_run(
    name: str,
    camera: CameraConfig,
    clip: Path,
    *,
    hint: bool = True,
    max_frames: int = 0,
    strength: float = 0.0,
) -> RunResult:
    """One scripted run of a simulated head turning a camera over ``clip``: ``camera``'s pipeline
    (its privacy zones left out) sees only what the camera delivers, and is told how the head
    moved when ``hint``."""
    from installation.frames import Frame
    from installation.groundtruth import load_ground_truth
    from installation.sources import open_source

    script, speeds, zoom, timing = TURNS[name]
    truth = load_ground_truth(clip)
    head = SimulatedHead(
        (truth.width, truth.height), fov=camera.steer.fov, zoom=zoom, speeds=speeds, timing=timing
    )
    hints = HeadHint(head.reported, head.optics, delay=camera.steer.delay)
    processor = _bare_processor(camera)
    result = RunResult(name if hint else f"{name}, no hint", head=name.split()[0], hint=hint)
    source = open_source(str(clip))
    processing = falsely = 0.0
    try:
        while True:
            frame = source.read()
            if frame is None or (max_frames and frame.index >= max_frames):
                break
            # The picture of this moment of the clip reaches the host ``timing.delay`` later: the
            # head is steered then, and the hint asked then.
            taken = frame.index / truth.fps
            arrived = taken + timing.delay
            script(arrived, head, truth, frame.index)
            head.tick(arrived)
            view = head.capture(frame.image, taken)
            pose = head.pose_then(
                taken - timing.exposure / 2
            )  # the faces where the smear's middle shows them
            began = time.perf_counter()
            motion = hints.motion(arrived, *head.size) if hint else None
            shown = processor.process(
                Frame(view, frame.index, frame.timestamp), Effect.BLUR, strength, hint=motion
            )
            processing += time.perf_counter() - began
            result.camera_frames += 1
            result.view_frames += 1
            result.hidden_whole += int(shown.hidden_all)
            result.hinted += int(shown.camera_motion is not None and shown.camera_motion.method == "head")
            faces = [(face, head.in_view(face.box, pose)) for face in truth.faces(frame.index)]
            hidden, true = hidden_masks(
                (head.size[1], head.size[0]),
                [f.box for f in shown.faces],
                shown.guarded,
                [box for _, box in faces if box.w > 0 and box.h > 0],
                mask_scale=processor.mask_scale,
                hidden_all=shown.hidden_all,
            )
            falsely += float((hidden & ~true).mean())
            for face, box in faces:
                if box.h < MIN_FACE_PX or box.w < MIN_FACE_PX / 2:
                    continue
                score = leak_score(view, shown.image, box)
                if score is None:
                    continue
                result.faces += 1
                if score >= LEAK_THRESHOLD:
                    result.leaked += 1
                    result.leaked_examples.append((frame.index, face.track_id, round(box.h, 1)))
    finally:
        source.close()
        processor.detector.close()
    result.processed_fps = result.camera_frames / processing if processing else 0.0
    result.falsely_hidden = falsely
    return result


def steer_run(
    name: str, camera: CameraConfig, clip: Path, *, max_frames: int = 0, strength: float = 0.0
) -> tuple[RunResult, list[Processed]]:
    """One scripted run over ``clip`` with ``camera``'s pipeline (its privacy zones left out); the
    result, and the first processed frames (for the input-to-view measure)."""
    from installation.display.monitor import window_surface
    from installation.frames import Frame
    from installation.groundtruth import load_ground_truth
    from installation.sources import open_source

    script, speed = RUNS[name]
    truth = load_ground_truth(clip)
    steer = camera.steer
    head = DigitalHead(
        HeadLimits(
            (steer.pan[0], steer.pan[1]), (steer.tilt[0], steer.tilt[1]), (steer.zoom[0], steer.zoom[1])
        ),
        view=steer.view,
        motion=Motion().scaled(speed),
    )
    processor = _bare_processor(camera)
    result = RunResult(name)
    kept: list[Processed] = []
    source = open_source(str(clip))
    shown: Processed | None = None
    processing = 0.0
    try:
        tick = 0
        while True:
            t = tick / VIEW_FPS
            due = int(t * truth.fps)  # the camera frame of this moment
            if max_frames and due >= max_frames:
                break
            while shown is None or shown.frame.index < due:
                frame = source.read()
                if frame is None:
                    break
                began = time.perf_counter()
                shown = processor.process(
                    Frame(frame.image, frame.index, frame.timestamp), Effect.BLUR, strength
                )
                processing += time.perf_counter() - began
                result.camera_frames += 1
                if len(kept) < 30:
                    kept.append(shown)
            if shown is None or shown.frame.index < due:
                break
            script(t, head, truth, shown.frame.index)
            head.tick(t)
            window = head.window(truth.width, truth.height)
            result.view_frames += 1
            result.hidden_whole += int(shown.hidden_all)
            faces = [
                (f, box)
                for f in truth.faces(shown.frame.index)
                if f.box.h >= MIN_FACE_PX and (box := _visible(f.box, window)) is not None
            ]
            if faces:
                original = window_surface(shown.frame.image, window, VIEW_SIZE)[1]
                view = window_surface(shown.image, window, VIEW_SIZE)[1]
                for face, box in faces:
                    score = leak_score(original, view, box)
                    if score is None:
                        continue
                    result.faces += 1
                    if score >= LEAK_THRESHOLD:
                        result.leaked += 1
                        result.leaked_examples.append((shown.frame.index, face.track_id, face.box.h))
            tick += 1
    finally:
        source.close()
        processor.detector.close()
    result.processed_fps = result.camera_frames / processing if processing else 0.0
    return result, kept


@dataclass
class Latency:
    """Input-to-view times (milliseconds) of one kind of input: to the first frame drawn with the
    view moved at all (``starts``: the picture is placed to a fraction of a pixel, so it shows), and
    to the first moved by a whole screen pixel or more (``times``)."""

    kind: str
    times: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def stats(values: list[float]) -> dict[str, float]:
            array = np.array(values) if values else np.zeros(1)
            return {
                "p50_ms": round(float(np.percentile(array, 50)), 1),
                "p95_ms": round(float(np.percentile(array, 95)), 1),
                "max_ms": round(float(array.max()), 1),
            }

        return {
            "input": self.kind,
            "presses": len(self.times),
            **stats(self.times),
            "starts": stats(self.starts),
        }


def _shift(before: Box, after: Box, scale: float) -> float:
    """How far the view moved or zoomed, in screen pixels (``scale``: screen pixels a camera pixel)."""
    return max(abs(after.x - before.x), abs(after.y - before.y), abs(after.w - before.w) / 2) * scale


def _moved(before: Box, after: Box, scale: float) -> bool:
    """True when the window moved or zoomed by a screen pixel or more."""
    return _shift(before, after, scale) >= 1.0


def measure_latency(camera: CameraConfig, pictures: Sequence[Processed], presses: int = 20) -> list[Latency]:
    """Keys and the panel's joystick pressed ``presses`` times each, at random moments: the time to
    the first drawn frame that shows the view moved."""
    import pygame

    from installation.config import Config
    from installation.control.state import PanelEvent
    from installation.frames import Frame, Processed
    from installation.pipeline.fakes import FakeFeed
    from installation.room import Room, RoomOptions

    if not pictures:
        raise InstallationError("bench --steer: no processed pictures to show")

    def make(n: int) -> Processed:
        p = pictures[n % len(pictures)]
        frame = Frame(p.frame.image, n, n / 30, camera.name, captured=time.monotonic())
        return Processed(frame, p.image, p.effect, [], list(p.faces), hidden_all=p.hidden_all)

    config = Config(cameras=[camera])
    config.display.fps = int(VIEW_FPS)
    config.effect.allow_exposed = True
    events: queue.SimpleQueue[PanelEvent] = queue.SimpleQueue()
    room = Room(
        config,
        RoomOptions(headless=True, size=(1920, 1080), live=False),
        feeds=[FakeFeed(camera.name, make=make)],
        events=events,
    )
    rng = random.Random(13)
    results = {"key": Latency("key"), "joystick": Latency("joystick")}
    pending: dict[str, Any] = {}
    lock = threading.Lock()
    settled = threading.Event()
    done = threading.Event()
    drawn: list[Box] = []

    def presser() -> None:
        kinds = ["key", "joystick"] * presses
        for n, kind in enumerate(kinds):
            if not settled.wait(10.0) or done.is_set():
                return
            time.sleep(rng.uniform(0.05, 0.3))  # a random moment between frames
            settled.clear()
            with lock:
                before = drawn[-1]
                right = n % 4 < 2
                if kind == "key":
                    pygame.event.post(
                        pygame.event.Event(
                            pygame.KEYDOWN,
                            key=pygame.K_k if right else pygame.K_h,
                            mod=0,
                            unicode="",
                            scancode=0,
                        )
                    )
                else:
                    events.put(PanelEvent("joystick.pan", 1.0 if right else -1.0))
                pending.update(kind=kind, at=time.monotonic(), before=before)
        done.set()

    room.start()
    try:
        assert room.steering is not None and room.model is not None and room.renderer is not None
        thread = threading.Thread(target=presser, name="bench-presser", daemon=True)
        still = 0
        started = False
        deadline = time.monotonic() + 60.0 + presses * 4.0
        while (not done.is_set() or pending) and time.monotonic() < deadline:
            room.step()
            window = room.model.views[0].window
            shown = room.renderer.shown.get(0)
            if window is None or shown is None:
                continue
            scale = shown[1].width / window.w
            with lock:
                moved = bool(drawn) and _moved(drawn[-1], window, scale)
                drawn[:] = [window]
                if pending and "started" not in pending and _shift(pending["before"], window, scale) > 0.01:
                    pending["started"] = True
                    results[pending["kind"]].starts.append((time.monotonic() - pending["at"]) * 1000)
                if pending and _moved(pending["before"], window, scale):
                    results[pending["kind"]].times.append((time.monotonic() - pending["at"]) * 1000)
                    if pending["kind"] == "joystick":
                        events.put(PanelEvent("joystick.pan", 0.0))
                    pending.clear()
            still = 0 if moved else still + 1
            if not started:
                started = True
                thread.start()
            if still >= 20 and not pending and not settled.is_set():
                settled.set()
        done.set()
        settled.set()
        thread.join(timeout=5)
    finally:
        room.close()
    return list(results.values())


def main(args: argparse.Namespace) -> int:
    """``installation bench --steer``: the runs, then input to view; a table or ``--json``."""
    from installation.config import wide_camera
    from installation.groundtruth import load_ground_truth, wide_clips

    clips = wide_clips()
    if not clips:
        raise InstallationError(
            "bench --steer: no wide clip in the footage folder (in a checkout: make footage)"
        )
    clip = clips[0]
    camera = wide_camera(clip)
    truth = load_ground_truth(clip)
    runs: list[RunResult] = []
    pictures: list[Processed] = []
    for name in RUNS:
        if not args.json:
            print(f"steering run: {name} …", file=sys.stderr)
        result, kept = steer_run(name, camera, clip, max_frames=args.frames, strength=args.strength)
        runs.append(result)
        pictures = pictures or kept
    for name in TURNS:
        for hint in (True, False):
            if not args.json:
                print(f"steering run: {name}{'' if hint else ', no hint'} …", file=sys.stderr)
            runs.append(
                turn_run(name, camera, clip, hint=hint, max_frames=args.frames, strength=args.strength)
            )
    latencies = measure_latency(camera, pictures)
    report = {
        "clip": f"{clip.parent.name}/{clip.name}",
        "size": [truth.width, truth.height],
        "detector": camera.detector_spec(),
        "fov": camera.steer.fov,
        "runs": [r.as_dict() for r in runs],
        "input_to_view": [latency.as_dict() for latency in latencies],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report))
    return 0


def format_report(report: dict[str, Any]) -> str:
    """The report as a few lines of text."""
    width, height = report["size"]
    lines = [
        f"steering on {report['clip']} ({width}x{height}, {report['detector']}), faces of "
        f"{MIN_FACE_PX:.0f} px and more; a digital head's view drawn at {VIEW_FPS:.0f} fps, a servo's "
        f"or PTZ camera's {CAMERA_SIZE[0]}x{CAMERA_SIZE[1]} picture ({report.get('fov', DEFAULT_FOV):g} "
        "degrees across) processed alone",
        "  run                   camera frames  view frames  faces in view  leaked  hidden whole  "
        "falsely hidden  moved by hint  processed",
    ]
    for r in report["runs"]:
        hinted = f"{r['frames_moved_by_hint']:>13}" if r.get("hint") else f"{'–':>13}"
        share = r.get("falsely_hidden_share")
        falsely = f"{100 * share:>12.1f} %" if share is not None else f"{'–':>14}"
        lines.append(
            f"  {r['run']:<20} {r['camera_frames']:>14}  {r['view_frames']:>11}  "
            f"{r['face_frames_in_view']:>13}  {r['leaked_face_frames']:>6}  "
            f"{100 * r['hidden_whole_share']:>10.1f} %  {falsely}  {hinted}  {r['processed_fps']:>5.1f} fps"
        )
    for latency in report["input_to_view"]:
        starts = latency["starts"]
        lines.append(
            f"  input to view, {latency['input']:<8}: moved a screen pixel p50 {latency['p50_ms']:.1f} ms, "
            f"p95 {latency['p95_ms']:.1f} ms, max {latency['max_ms']:.1f} ms; began to move p50 "
            f"{starts['p50_ms']:.1f} ms, p95 {starts['p95_ms']:.1f} ms ({latency['presses']} presses)"
        )
    return "\n".join(lines)
