"""``installation anonymize DIR -o OUTDIR``: every video in a folder and its subfolders.

The videos are found by their endings (:data:`~installation.sources.video.VIDEO_EXTENSIONS`,
compared without case); hidden files and folders (names starting with a dot: macOS's
``._clip.mov``, the temporary files of a run) are left alone, and so are OUTDIR and the
boxes folders wherever they lie, so a run never reads its own outputs. Links to files are
read (a file reached twice is read once); links to folders are not followed.

Each video is written under OUTDIR at its path in DIR, as ``.mp4`` (:func:`output_names`
says how names that would clash are kept apart), and the boxes files asked for mirror the
same paths in their folders. The videos are done one at a time: each already decodes,
detects and encodes on threads of its own, and two side by side were not faster on a
two-core machine (the README gives the figures). One that fails is reported and the others
go on; the summary at the end lists each failure with its reason, and the exit code is
:data:`EXIT_FAILED`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Protocol, TypeVar

from installation.errors import UsageError
from installation.sources.video import VIDEO_EXTENSIONS

log = logging.getLogger("installation.anonymize")

#: The exit code of a folder run in which some videos could not be anonymized (the others were).
EXIT_FAILED = 6


class Work(Protocol):
    """One video to anonymize: the input, the output, and the boxes files to write (by option)."""

    @property
    def src(self) -> Path: ...

    @property
    def dst(self) -> Path: ...

    @property
    def boxes(self) -> dict[str, Path]: ...


W = TypeVar("W", bound=Work)


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def find_videos(folder: Path, leave_out: Sequence[Path] = ()) -> list[PurePath]:
    """The video files in ``folder`` and its subfolders, as paths inside it, in name order.

    ``leave_out`` are folders not to look in (the run's own output folders), wherever they lie.

    >>> import tempfile
    >>> top = Path(tempfile.mkdtemp())
    >>> for name in ["a.MOV", "notes.txt", ".hidden.mp4", "day1/b.mp4", "out/c.mp4"]:
    ...     (top / name).parent.mkdir(exist_ok=True)
    ...     _ = (top / name).write_bytes(b"")
    >>> [str(p) for p in find_videos(top, leave_out=[top / "out"])]
    ['a.MOV', 'day1/b.mp4']
    """
    skip = {_identity(path) for path in leave_out if path.is_dir()}
    found: list[PurePath] = []
    seen: dict[tuple[int, int], PurePath] = {}
    for where, folders, files in os.walk(folder, onerror=_unreadable):
        here = Path(where)
        folders[:] = sorted(
            name for name in folders if not _is_hidden(name) and _identity(here / name) not in skip
        )
        for name in sorted(files):
            path = here / name
            if _is_hidden(name) or path.suffix.lower() not in VIDEO_EXTENSIONS or not path.is_file():
                continue
            relative = path.relative_to(folder)
            key = _identity(path)
            if key in seen:
                # Reached twice: through a link, or as the link's target. The file is read once.
                log.info("%s: the same file as %s: read once", path, folder / seen[key])
                if path.is_symlink() or not (folder / seen[key]).is_symlink():
                    continue
                found.remove(seen[key])
            seen[key] = relative
            found.append(relative)
    return sorted(found, key=lambda p: p.parts)


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return (status.st_dev, status.st_ino)


def _unreadable(error: OSError) -> None:
    raise UsageError(f"{error.filename}: cannot list the folder: {error.strerror or error}")


def output_names(videos: Sequence[PurePath]) -> dict[PurePath, PurePath]:
    """Where each video of a folder is written, inside the output folder: its folder and its name,
    with ``.mp4`` for its ending, no two alike even where names are compared without case.

    - A folder keeps its name; one whose name differs from another's only in case (``Day1``,
      ``day1``: one folder on a USB stick or a Mac) gets ``~2`` (``day1~2``), in name order.
    - A video becomes ``STEM.mp4``. Where two in one folder would get one name (``a.mov`` and
      ``a.mp4``), the one that is an ``.mp4`` already keeps it; the other keeps its own ending
      before ``.mp4`` (``a.mov.mp4``). Two left alike (``Visit.mp4`` and ``visit.mp4``): the
      first in name order keeps it, the next gets ``~2`` (``visit~2.mp4``), and so on.

    >>> names = output_names([PurePath(p) for p in ["a.mov", "a.mp4", "Visit.mp4", "visit.mp4"]])
    >>> [str(names[PurePath(p)]) for p in ["a.mov", "a.mp4", "Visit.mp4", "visit.mp4"]]
    ['a.mov.mp4', 'a.mp4', 'Visit.mp4', 'visit~2.mp4']
    """
    taken: dict[PurePath, set[str]] = defaultdict(set)
    folders: dict[PurePath, PurePath] = {PurePath(): PurePath()}
    inside = {parent for video in videos for parent in video.parents if parent != PurePath()}
    for folder in sorted(inside, key=lambda p: p.parts):
        parent = folders[folder.parent]
        folders[folder] = parent / _claim(taken[parent], [folder.name], folder.name, "")
    names: dict[PurePath, PurePath] = {}
    for video in sorted(videos, key=lambda p: (p.suffix.casefold() != ".mp4", p.parts)):
        parent = folders[video.parent]
        wanted = [video.stem + ".mp4"]
        if video.suffix.casefold() != ".mp4":
            wanted.append(video.name + ".mp4")
        names[video] = parent / _claim(taken[parent], wanted, video.stem, ".mp4")
    return names


def _claim(taken: set[str], wanted: list[str], stem: str, ending: str) -> str:
    """The first name of ``wanted`` not in ``taken`` (without case), else ``STEM~2ENDING``, ``~3``…;
    added to ``taken``."""
    candidates = [*wanted, *(f"{stem}~{n}{ending}" for n in range(2, len(taken) + 3))]
    name = next(c for c in candidates if c.casefold() not in taken)
    taken.add(name.casefold())
    return name


def plan_folder(
    folder: Path, output: Path, boxes: dict[str, tuple[Path, str]]
) -> list[tuple[Path, Path, dict[str, Path]]]:
    """Every video in ``folder``: its path, its output's under ``output``, and its boxes files' (by
    option) under the folder ``boxes[option][0]`` with the ending ``boxes[option][1]``. A
    :class:`UsageError` when there is none. Names that are not ``STEM.mp4`` are logged."""
    videos = find_videos(folder, leave_out=[output, *(where for where, _ in boxes.values())])
    if not videos:
        endings = ", ".join(VIDEO_EXTENSIONS)
        raise UsageError(f"{folder}: no video files in it or its subfolders (looked for {endings})")
    names = output_names(videos)
    planned = []
    for video in videos:
        written = names[video]
        if written != video.with_name(video.stem + ".mp4"):
            log.info("%s: written as %s (another video would have the same name)", video, written)
        files = {
            option: where / written.with_name(written.stem + ending)
            for option, (where, ending) in boxes.items()
        }
        planned.append((folder / video, output / written, files))
    return planned


def is_complete(path: Path) -> bool:
    """Whether the video at ``path`` is whole: it opens, and holds every packet its index lists.

    Outputs appear under their names only when complete (a run writes to a temporary name), so
    this is what a copy cut short or a file of another program's would fail.
    """
    import av

    try:
        size = path.stat().st_size
        with av.open(str(path)) as container:
            if not container.streams.video:
                return False
            ends = [
                entries[-1].pos + entries[-1].size
                for stream in container.streams
                if len(entries := stream.index_entries)
            ]
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return False
    return bool(ends) and max(ends) <= size


def already_done(job: Work) -> bool:
    """Whether ``job``'s video is complete (:func:`is_complete`) and its boxes files are there: what
    ``--skip-existing`` leaves out. Boxes files, like videos, appear only when complete."""
    return is_complete(job.dst) and all(path.is_file() for path in job.boxes.values())


def frame_estimate(path: Path) -> int:
    """How many frames the video at ``path`` says it has, read from its header (0: it does not say)."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            if 0 < stream.frames < 1e9:
                return int(stream.frames)
            rate = stream.average_rate or stream.guessed_rate
            if stream.duration and stream.time_base is not None and rate:
                return max(1, round(float(stream.duration * stream.time_base * rate)))
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError, IndexError):
        pass
    return 0


class _Share:
    """One video's part of the overall progress bar: its estimated frames, however many it has."""

    def __init__(self, bar: Any, expected: int) -> None:
        self.bar, self.expected, self.done = bar, expected, 0

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.done > self.expected:
            self.bar.total += n
        self.bar.update(n)

    def finish(self) -> None:
        if self.done < self.expected:
            self.bar.update(self.expected - self.done)


@dataclass
class FolderRun:
    """What a folder run did: the videos written (input, output), the outputs skipped as complete,
    and the videos that failed (their path in the folder, and why)."""

    written: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[PurePath, str]] = field(default_factory=list)

    def summary(self) -> list[str]:
        """The lines that close a run: the counts, then each failure with its reason."""
        total = len(self.written) + len(self.skipped) + len(self.failed)
        counts = [f"{len(self.written)} of {total} videos written"]
        if self.skipped:
            counts.append(f"{len(self.skipped)} skipped (already complete)")
        if self.failed:
            counts.append(f"{len(self.failed)} failed:")
        return [", ".join(counts), *(f"  {video}: {reason}" for video, reason in self.failed)]

    @property
    def exit_code(self) -> int:
        """:data:`EXIT_FAILED` when a video failed, else 0."""
        return EXIT_FAILED if self.failed else 0


def _reason(src: Path, exc: BaseException) -> str:
    """``exc`` in one line, without the input's path it usually starts with (the summary names it)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.removeprefix(f"{src}: ")


def run_folder(
    jobs: Sequence[W],
    folder: Path,
    anonymize: Callable[[W, Any], dict[str, float]],
    *,
    skip_existing: bool = False,
    progress: bool = True,
    after_each: Callable[[], None] = lambda: None,
) -> FolderRun:
    """Anonymize ``jobs``, the videos of ``folder``, one at a time with ``anonymize(job, bar)``
    (``bar``: what to advance by each frame written, or None), going on past a video that fails;
    Ctrl-C still stops the run.

    With ``skip_existing`` a job whose video is complete (:func:`is_complete`) and whose boxes files
    are there is not done again. One overall progress bar counts the frames of all the videos,
    and one line per video says how it went as it ends. ``after_each`` runs after each video (the
    command lets a stop signal held while a video's files were put in place stop the run there).
    """
    run = FolderRun()
    todo: list[W] = []
    for job in jobs:
        if skip_existing and already_done(job):
            run.skipped.append(job.dst)
        else:
            todo.append(job)
    bar = None
    expected: dict[Path, int] = {}
    console: AbstractContextManager[Any] = nullcontext()
    if progress:
        from tqdm import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        expected = {job.src: frame_estimate(job.src) for job in todo}
        bar = tqdm(total=sum(expected.values()), unit="frame", file=sys.stderr, dynamic_ncols=True)
        console = logging_redirect_tqdm()  # warnings appear above the bar, not through it
    say = _say(bar)
    for dst in run.skipped:
        say(f"{dst}: already complete, skipped")
    with console:
        try:
            for number, job in enumerate(todo, 1):
                video = job.src.relative_to(folder)
                share = None
                if bar is not None:
                    bar.set_description_str(f"{number}/{len(todo)} {video}")
                    share = _Share(bar, expected[job.src])
                try:
                    for path in (job.dst, *job.boxes.values()):
                        path.parent.mkdir(parents=True, exist_ok=True)
                    stats = anonymize(job, share)
                except KeyboardInterrupt:
                    raise
                except Exception as exc:  # one video's failure, whatever it is, is that video's alone
                    log.debug("%s failed", job.src, exc_info=True)
                    run.failed.append((video, _reason(job.src, exc)))
                    say(f"{job.src}: failed: {_reason(job.src, exc)}")
                else:
                    run.written.append((job.src, job.dst))
                    frames, seconds, fps = stats["frames"], stats["seconds"], stats["fps"]
                    say(f"{job.dst}: {frames:.0f} frames in {seconds:.1f} s ({fps:.1f} fps)")
                finally:
                    if share is not None:
                        share.finish()
                after_each()
        finally:
            if bar is not None:
                bar.close()
    return run


def _say(bar: Any) -> Callable[[str], None]:
    """Print a line on stderr, above the progress bar when there is one."""

    def say(line: str) -> None:
        if bar is not None:
            bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    return say
