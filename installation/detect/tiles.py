"""Small faces: overlapping tiles run through the model at close to full resolution.

Over a whole 1280x720 frame the full-range model sees a face at about a
seventh of its size and misses faces under roughly 100 pixels; the
short-range model misses faces under about 160. A tile the size of the
model's input (or a little larger) shows it faces at nearly their own size.
Tiles overlap so that a face of the size they are meant for lies wholly
inside at least one of them; larger faces are the whole-frame pass's job.

Every tile costs one model run (about 3.6 ms for full range on the reference
machine, 18 tiles for a 1280x720 frame), so :meth:`TiledDetector.detect_step`
runs only some tiles per call, in rotation, and reports each other tile's
most recent findings; it also takes ``focus`` boxes (where a tracker last saw
small faces) and runs a model-sized tile on each, so known faces stay fresh
while the rotation looks for new ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from installation.detect.blazeface import DEFAULT_THRESHOLD, BlazeFaceDetector, _check_image, _to_frame
from installation.detect.engines import Engine, Job
from installation.detect.views import ModelInput
from installation.errors import ConfigError
from installation.frames import Detection
from installation.geometry import Box


def tile_grid(width: int, height: int, size: int, overlap: int) -> list[Box]:
    """Square ``size`` tiles over a ``width`` x ``height`` frame, neighbours sharing ``overlap`` px or more.

    Rows run top to bottom, each left to right; tiles are spread evenly and
    never leave the frame (a frame narrower than a tile gets one tile as wide
    as the frame).

    >>> [(b.x, b.y, b.w, b.h) for b in tile_grid(500, 300, 200, 50)]
    [(0.0, 0.0, 200, 200), (150.0, 0.0, 200, 200), (300.0, 0.0, 200, 200), (0.0, 100.0, 200, 200), \
(150.0, 100.0, 200, 200), (300.0, 100.0, 200, 200)]
    """
    if not 0 <= overlap < size:
        raise ConfigError(f"tile overlap {overlap}: must be at least 0 and less than the tile size {size}")
    xs, tile_w = _positions(width, size, overlap)
    ys, tile_h = _positions(height, size, overlap)
    return [Box(x, y, tile_w, tile_h) for y in ys for x in xs]


def _positions(extent: int, size: int, overlap: int) -> tuple[list[float], int]:
    if extent <= size:
        return [0.0], extent
    count = math.ceil((extent - size) / (size - overlap)) + 1
    step = (extent - size) / (count - 1)
    return [float(round(i * step)) for i in range(count)], size


class TiledDetector(BlazeFaceDetector):
    """A whole-frame pass plus tiles of ``tile`` pixels (of the frame at ``input_scale``).

    :meth:`detect` runs every tile and is the one to use on recorded footage;
    :meth:`detect_step` bounds the cost per live frame.

    >>> from installation.detect.engines import GraphFullRange
    >>> from installation.detect.models import resolve_model
    >>> from installation.detect.blazeface import MIN_SCORE
    >>> engine = GraphFullRange(resolve_model("full"), min_score=MIN_SCORE)
    >>> with TiledDetector(engine, tile=288, overlap=48, tiles_per_step=2) as detector:
    ...     frame = np.zeros((720, 1280, 3), np.uint8)
    ...     len(detector.tiles(1280, 720)), detector.sweep_length(1280, 720), detector.detect_step(frame)
    (18, 9, [])
    """

    def __init__(
        self,
        engine: Engine,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        input_scale: float = 1.0,
        tile: int,
        overlap: int,
        tiles_per_step: int = 2,
    ) -> None:
        super().__init__(engine, threshold=threshold, input_scale=input_scale)
        if tiles_per_step < 1:
            raise ConfigError(f"tiles_per_step {tiles_per_step}: must be at least 1")
        tile_grid(tile, tile, tile, overlap)  # validates the pair
        self._tile = tile
        self._overlap = overlap
        self.tiles_per_step = tiles_per_step
        self._size: tuple[int, int] = (0, 0)
        self._scaled_size: tuple[int, int] = (0, 0)
        self._grid: list[Box] = []
        self._memory: list[list[Detection]] = []
        self._whole_memory: list[Detection] = []
        self._next = 0

    def tiles(self, width: int, height: int) -> list[Box]:
        """The tiles for a ``width`` x ``height`` frame, in its pixels."""
        grid = self._grid_for(width, height)
        fx, fy = width / self._scaled_size[0], height / self._scaled_size[1]
        return [Box(t.x * fx, t.y * fy, t.w * fx, t.h * fy) for t in grid]

    def describe_input(self, width: int, height: int) -> ModelInput:
        """The whole-frame pass's window and, counted, the tiles of a ``width`` x ``height`` frame.

        Asking changes nothing: the tiles are counted apart from the ones the detector keeps.
        """
        scaled_w, scaled_h = self._scaled_size_of(width, height)
        tiles = len(tile_grid(scaled_w, scaled_h, self._tile, self._overlap))
        return ModelInput(super().describe_input(width, height).windows, tiles)

    def sweep_length(self, width: int, height: int) -> int:
        """How many :meth:`detect_step` calls it takes to run every tile once."""
        return math.ceil(len(self._grid_for(width, height)) / self.tiles_per_step)

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The whole-frame pass and every tile."""
        height, width = _check_image(image)
        return self._run(image, width, height, range(len(self._grid_for(width, height))), whole_frame=True)

    def detect_step(
        self,
        image: np.ndarray,
        count: int | None = None,
        *,
        whole_frame: bool = True,
        focus: Sequence[Box] = (),
        remember: bool = True,
    ) -> list[Detection]:
        """The next ``count`` tiles (default ``tiles_per_step``, may be 0), the whole-frame pass unless
        ``whole_frame`` is false, a tile centred on each ``focus`` box, and for everything not run
        now, what it found when it last ran.

        A face only the tiles can see is therefore reported from a frame up
        to :meth:`sweep_length` calls old, unless the caller names where it
        was last seen in ``focus`` (frame pixels, e.g. a tracker's small
        faces): those tiles run now and their findings are not kept. Each
        call costs about one model run per tile, per focus box, and for the
        whole frame.

        With ``remember=False`` only what ran in this call is reported: a
        tracker that holds faces itself should not be fed stale positions.
        """
        height, width = _check_image(image)
        total = len(self._grid_for(width, height))
        count = min(total, self.tiles_per_step if count is None else max(0, count))
        chosen = [(self._next + i) % total for i in range(count)]
        self._next = (self._next + count) % total
        return self._run(
            image, width, height, chosen, whole_frame=whole_frame, focus=focus, remember=remember
        )

    def _focus_tiles(self, boxes: Sequence[Box], width: int, height: int) -> list[Box]:
        """A square tile of the scaled frame on each box, centred, inside the frame.

        The tile is the model's input size (the face at its own size, the most
        a small face can get) or four boxes wide, whichever is larger.
        """
        fx, fy = width / self._scaled_size[0], height / self._scaled_size[1]
        scaled_w, scaled_h = self._scaled_size
        tiles = []
        for box in boxes:
            side = max(float(self._engine.input_size[0]), 4 * box.w / fx, 4 * box.h / fy)
            w, h = min(side, scaled_w), min(side, scaled_h)
            x = min(max(0.0, box.cx / fx - w / 2), scaled_w - w)
            y = min(max(0.0, box.cy / fy - h / 2), scaled_h - h)
            tiles.append(Box(x, y, w, h))
        return tiles

    def _grid_for(self, width: int, height: int) -> list[Box]:
        if (width, height) != self._size:
            scaled_w, scaled_h = self._scaled_size = self._scaled_size_of(width, height)
            self._grid = tile_grid(scaled_w, scaled_h, self._tile, self._overlap)
            self._memory = [[] for _ in self._grid]
            self._whole_memory = []
            self._size = (width, height)
            self._next = 0
        return self._grid

    def _scaled_size_of(self, width: int, height: int) -> tuple[int, int]:
        """The size ``_scaled()`` gives a ``width`` x ``height`` frame (tiles fit the image they cut)."""
        scale = self.input_scale
        if scale == 1.0:
            return width, height
        return max(1, round(width * scale)), max(1, round(height * scale))

    def _run(
        self,
        image: np.ndarray,
        width: int,
        height: int,
        chosen: range | list[int],
        *,
        whole_frame: bool,
        focus: Sequence[Box] = (),
        remember: bool = True,
    ) -> list[Detection]:
        found: list[Detection] = []
        if whole_frame or chosen or focus:
            scaled, fx, fy = self._scaled(image)
        # The whole-frame pass and the tiles go to the engine together, so that
        # an engine with several lanes runs them side by side.
        jobs: list[Job] = []
        if whole_frame:
            whole_job, whole_fx, whole_fy = self._whole_frame_job(scaled, fx, fy)
            jobs.append(whole_job)
        if chosen or focus:
            rgb = cv2.cvtColor(scaled, cv2.COLOR_BGR2RGB)
            jobs.append((rgb, [self._grid[i] for i in chosen] + self._focus_tiles(focus, width, height)))
        outputs = self._engine.run_many(jobs) if jobs else []
        if whole_frame:
            self._whole_memory = self._whole_frame_found(outputs.pop(0), whole_fx, whole_fy)
        if chosen or focus:
            results = outputs.pop(0)
            for index, raws in zip(chosen, results, strict=False):
                self._memory[index] = _to_frame(raws, fx, fy)
                if not remember:
                    found.extend(self._memory[index])
            for raws in results[len(chosen) :]:
                found.extend(_to_frame(raws, fx, fy))
        if whole_frame or remember:
            found.extend(self._whole_memory)
        if remember:
            for remembered in self._memory:
                found.extend(remembered)
        return self._finish(found, width, height)
