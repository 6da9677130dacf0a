"""Fetching the development set: pinned hashes are enforced, a second run downloads nothing."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import cv2
import pytest

from installation.devset import labels as devset_labels
from installation.devset.fetch import (
    FetchError,
    Source,
    SourceFile,
    destination,
    fetch,
    file_sha256,
    load_sources,
    sha256,
)

PHOTO = b"\xff\xd8 not really a jpeg, but bytes with a known hash"


def _artifact(tmp_path: Path) -> Path:
    path = tmp_path / "registry" / "demo-1.0.tgz"
    path.parent.mkdir()
    with tarfile.open(path, "w:gz") as archive:
        for name, data in [("package/media/face.jpg", PHOTO), ("package/index.js", b"module.exports = 1")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


class FakeRegistry:
    """Stands in for npm: copies a prepared artifact and counts downloads."""

    def __init__(self, artifact: Path) -> None:
        self.artifact = artifact
        self.downloads = 0

    def __call__(self, source: Source, folder: Path) -> Path:
        self.downloads += 1
        return Path(shutil.copy(self.artifact, folder / source.artifact))


def _source(artifact: Path, *, artifact_sha: str | None = None, file_sha: str | None = None) -> Source:
    return Source(
        "demo", "npm", "demo", "1.0", artifact.name, artifact_sha or file_sha256(artifact),
        (SourceFile("package/media/face.jpg", file_sha or sha256(PHOTO)),),
    )  # fmt: skip


def test_fetch_extracts_only_listed_files_and_second_run_downloads_nothing(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    registry, source, root = FakeRegistry(artifact), _source(artifact), tmp_path / "cache"
    assert fetch([source], root, registry, quiet=True) == ["demo"]
    assert (root / "files" / "demo" / "face.jpg").read_bytes() == PHOTO
    assert sorted(p.name for p in (root / "files" / "demo").iterdir()) == ["face.jpg"]
    assert fetch([source], root, registry, quiet=True) == []
    assert registry.downloads == 1


def test_a_damaged_cached_file_is_fetched_again(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    registry, source, root = FakeRegistry(artifact), _source(artifact), tmp_path / "cache"
    fetch([source], root, registry, quiet=True)
    destination(source, source.files[0], root).write_bytes(b"truncated")
    assert fetch([source], root, registry, quiet=True) == ["demo"]
    assert destination(source, source.files[0], root).read_bytes() == PHOTO


def test_a_file_whose_hash_does_not_match_is_refused(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    source = _source(artifact, file_sha="0" * 64)
    with pytest.raises(FetchError, match=r"^demo: package/media/face.jpg has sha256 .*expected 0000"):
        fetch([source], tmp_path / "cache", FakeRegistry(artifact), quiet=True)
    assert not (tmp_path / "cache" / "files" / "demo" / "face.jpg").exists()


def test_an_artifact_whose_hash_does_not_match_is_refused(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    source = _source(artifact, artifact_sha="f" * 64)
    with pytest.raises(FetchError, match=r"^demo: demo-1.0.tgz has sha256"):
        fetch([source], tmp_path / "cache", FakeRegistry(artifact), quiet=True)
    assert not (tmp_path / "cache" / "files").exists()


def test_a_listed_file_missing_from_the_artifact_is_an_error(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    source = Source("demo", "npm", "demo", "1.0", artifact.name, file_sha256(artifact),
                    (SourceFile("package/media/gone.jpg", sha256(PHOTO)),))  # fmt: skip
    with pytest.raises(FetchError, match="package/media/gone.jpg is not in demo-1.0.tgz"):
        fetch([source], tmp_path / "cache", FakeRegistry(artifact), quiet=True)


def test_every_labelled_file_comes_from_a_pinned_source() -> None:
    sources = {s.id: {f.name for f in s.files} for s in load_sources()}
    labels = devset_labels.load_labels()
    items: list[devset_labels.Photo | devset_labels.Video] = [
        *labels.photos.values(),
        *labels.videos.values(),
    ]
    for item in items:
        assert item.file in sources[item.source], f"{item.id}: {item.source}/{item.file} not in sources.json"


_fetched = devset_labels.fetched()


@pytest.mark.skipif(not _fetched, reason="development set not fetched: run `make devset`")
def test_fetched_files_match_their_hashes_and_labelled_sizes() -> None:
    root = devset_labels.devset_root()
    for source in load_sources():
        for file in source.files:
            assert file_sha256(destination(source, file, root)) == file.sha256, f"{source.id}/{file.name}"
    labels = devset_labels.load_labels()
    for photo in labels.photos.values():
        assert photo.load().shape[:2] == (photo.height, photo.width), photo.id
    for video in labels.videos.values():
        capture = cv2.VideoCapture(str(video.path))
        ok, frame = capture.read()
        capture.release()
        assert ok and frame.shape[:2] == (video.height, video.width), video.id
