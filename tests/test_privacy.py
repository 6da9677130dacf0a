"""What the installation promises visitors: no picture kept, nothing sent anywhere.

A demo run (and a kiosk run) happens in a child process whose HOME, TMPDIR,
XDG folders and working directory are empty temporary folders. It is watched
three ways, because mediapipe, FFmpeg, OpenCV and SDL are native code that
Python's own hooks never see:

- the folders are listed afterwards: only logs, the anonymous statistics and
  a few small state files may appear, and none of them holds a picture;
- inside the process, an audit hook (``sys.addaudithook``) records every file
  opened for writing, every rename and every socket created;
- outside it, ``strace -f`` records every ``socket``/``connect``/``bind``
  and every file opened for writing, native code included.

Network: AF_INET and AF_INET6 sockets are forbidden; AF_UNIX (local
inter-process sockets, for example a display server) and AF_NETLINK (the
kernel's own interface queries) never leave the machine and are allowed.

One exception, for a network PTZ camera the config names with a head string
``visca://ADDRESS[:PORT]``: per such camera, one UDP socket (AF_INET or
AF_INET6, SOCK_DGRAM) that is ``connect()``ed to exactly that address and
port before anything else is done with it, and then only sends and receives
through that connection (no address of its own on any ``sendto``/``recvfrom``).
It is never bound, never listens and looks no name up: the kernel gives it an
ephemeral local port and drops datagrams from any other sender. A socket of
another type, a connect to any other address or port, a second connect, a
bind, a datagram with its own destination, a name look-up, or an internet
socket that is never connected is a breach, as before. The checks take the
allowed camera addresses as an argument; the demo and kiosk runs allow none.

The detectors themselves are tested first, on small child scripts that do
write a PNG or open an AF_INET socket, so a clean run means something.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

DEMO_FRAMES = 200

# -- recognising pictures and video ---------------------------------------------------------------------

#: File endings of pictures, video and raw arrays: nothing the installation runs may write one.
MEDIA_ENDINGS = {
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".dib", ".webp", ".tif", ".tiff", ".ppm",
    ".pgm", ".pbm", ".pnm", ".pam", ".exr", ".hdr", ".heic", ".heif", ".avif", ".jp2", ".j2k", ".qoi",
    ".tga", ".ico", ".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts",
    ".m2ts", ".flv", ".wmv", ".ogv", ".3gp", ".h264", ".264", ".h265", ".hevc", ".yuv", ".y4m", ".rgb",
    ".raw", ".npy", ".npz", ".pkl", ".pickle",
}  # fmt: skip


def media_kind(data: bytes) -> str | None:
    """The kind of picture, video or array ``data`` starts with, or holds, else None."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if (
        head.startswith(b"BM")
        and len(data) >= 18
        and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    ):
        return "BMP"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"AVI ", b"AVIX"):
        return {b"WEBP": "WebP"}.get(head[8:12], "AVI")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "MP4/MOV"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "Matroska/WebM"
    if head.startswith(b"\x93NUMPY"):
        return "NumPy array"
    if head.startswith(b"PK\x03\x04"):
        return "zip archive (for example .npz)"
    if head.startswith((b"\x00\x00\x00\x0cjP  ", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if head.startswith(b"v/1\x01"):
        return "OpenEXR"
    if head.startswith(b"qoif"):
        return "QOI"
    if re.match(rb"P[1-7]\s+\d+\s+\d+", head):
        return "Netpbm"
    if head.startswith(b"YUV4MPEG2"):
        return "Y4M video"
    if head.startswith(b"FLV\x01"):
        return "FLV"
    if head.startswith(b"OggS"):
        return "Ogg"
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "MPEG"
    if len(data) >= 376 and data[0] == 0x47 and data[188] == 0x47:
        return "MPEG-TS"
    if head.startswith((b"\x00\x00\x00\x01\x67", b"\x00\x00\x00\x01\x40", b"\x00\x00\x01\x67")):
        return "H.264/H.265 stream"
    # a picture inside a larger file (a log or stats file with an image pasted in)
    for signature, kind in (
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"\xff\xd8\xff\xdb", "JPEG"),
        (b"\xff\xd8\xff\xe1", "JPEG"),
        (b"WEBPVP8", "WebP"),
        (b"\x93NUMPY", "NumPy array"),
    ):
        if signature in data:
            return f"{kind} inside the file"
    return None


_BASE64 = re.compile(r"[A-Za-z0-9+/]{160,}={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]{256,}")
_FLOATS = re.compile(r"(?:[-+]?\d*\.\d+(?:[eE][-+]?\d+)?[\s,;\]\[]+){32,}")
_INTS = re.compile(r"(?:\b\d{1,3}\s*,\s*){256,}")


def picture_data_problems(data: bytes) -> list[str]:
    """Why ``data`` (a log, the statistics) might hold pictures, face crops or embeddings; [] if clean.

    Logs and statistics are short lines of text: any picture signature,
    binary content, long base64 or hex run (an encoded picture), or long run
    of numbers (a face embedding, or raw pixel values) is reported.
    """
    problems = []
    kind = media_kind(data)
    if kind:
        problems.append(f"holds {kind} data")
    if b"\x00" in data:
        problems.append("holds binary data (NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("is not UTF-8 text")
        text = data.decode("latin-1")
    for pattern, what in (
        (_BASE64, "a base64 run"),
        (_HEX, "a hex run"),
        (_FLOATS, "a run of 32+ decimal numbers (an embedding?)"),
        (_INTS, "a run of 256+ small integers (pixel values?)"),
    ):
        match = pattern.search(text)
        if match:
            problems.append(f"holds {what} of {len(match.group())} characters at offset {match.start()}")
    return problems


# -- the sandboxed, watched run -------------------------------------------------------------------------

#: Runs before installation.cli.main (or a given script): records writes, renames and sockets.
AUDIT_WRAPPER = textwrap.dedent(
    """
    import json, os, sys, threading

    _log = open(sys.argv[1], "w", buffering=1)  # opened before the hook, so writing to it is not recorded
    _lock = threading.Lock()
    _seen = {"open": 0}
    _WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def _record(**fields):
        try:
            with _lock:
                _log.write(json.dumps(fields, default=repr) + "\\n")
        except ValueError:  # the log is closed at interpreter exit
            pass

    def _name(path):
        return os.path.abspath(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else path

    def _hook(event, args):
        if event == "open":
            path, mode, flags = args
            _seen["open"] += 1
            by_mode = isinstance(mode, str) and any(c in mode for c in "wax+")
            if by_mode or (isinstance(flags, int) and flags & _WRITE):
                _record(event="write", path=_name(path), mode=mode, flags=flags)
        elif event == "os.rename":
            _record(event="rename", source=_name(args[0]), path=_name(args[1]))
        elif event in ("os.link", "os.symlink", "shutil.copyfile", "shutil.copytree"):
            _record(event="write", path=_name(args[1]), via=event)
        elif event == "socket.__new__":  # "sock" tells sockets apart while they live
            _record(event="socket", family=int(args[1]), type=int(args[2]), sock=id(args[0]))
        elif event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
            _record(event=event, family=int(args[0].family), address=repr(args[1]), sock=id(args[0]))
        elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
            _record(event=event, host=repr(args[0]))

    sys.addaudithook(_hook)
    target = sys.argv[2:]
    if target[:1] == ["--script"]:
        import runpy
        code = 0
        sys.argv = target[1:]
        runpy.run_path(target[1], run_name="__main__")
    else:
        from installation.cli import main
        sys.argv = ["installation", *target]
        code = main(target)
    _record(event="end", opens=_seen["open"], code=code)
    sys.exit(code)
    """
)

SANDBOX_DIRS = ("home", "tmp", "config", "cache", "data", "state", "runtime", "cwd")


@dataclass
class WatchedRun:
    """What a watched child process did."""

    sandbox: Path
    returncode: int
    stderr: str
    audit: list[dict[str, Any]]
    strace: str | None  # None when strace could not be used
    #: Files put in the sandbox before the run (a config file), with their contents.
    before: dict[Path, bytes | None] = field(default_factory=dict)

    def new_files(self) -> list[Path]:
        """Every file in the sandbox folders after the run that was not there, the same, before it."""
        return sorted(
            p
            for p in self.sandbox.rglob("*")
            if (p.is_file() or p.is_symlink()) and self.before.get(p) != _read(p)
        )

    @property
    def audit_ended(self) -> dict[str, Any] | None:
        return next((r for r in self.audit if r["event"] == "end"), None)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def strace_usable() -> str | None:
    """Why strace cannot watch a child here, or None when it can."""
    strace = shutil.which("strace")
    if strace is None:
        return "strace is not installed (apt-get install strace)"
    probe = subprocess.run(
        [strace, "-f", "-qq", "-e", "trace=socket", "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return f"strace cannot trace here: {probe.stderr.strip()[:200]}"
    return None


def run_watched(
    base: Path,
    target: Sequence[str],
    *,
    strace: bool = True,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> WatchedRun:
    """Run ``installation TARGET...`` (or ``--script FILE``) sandboxed, with the audit hook, under strace."""
    sandbox = base / "sandbox"
    for name in SANDBOX_DIRS:
        (sandbox / name).mkdir(parents=True, exist_ok=True)
    (sandbox / "runtime").chmod(0o700)
    before = {p: _read(p) for p in sandbox.rglob("*") if p.is_file()}
    wrapper = base / "audit_wrapper.py"
    wrapper.write_text(AUDIT_WRAPPER, encoding="utf-8")
    audit_log, trace = base / "audit.jsonl", base / "strace.txt"
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(sandbox / "home"),
        "TMPDIR": str(sandbox / "tmp"),
        "XDG_CONFIG_HOME": str(sandbox / "config"),
        "XDG_CACHE_HOME": str(sandbox / "cache"),
        "XDG_DATA_HOME": str(sandbox / "data"),
        "XDG_STATE_HOME": str(sandbox / "state"),
        "XDG_RUNTIME_DIR": str(sandbox / "runtime"),
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        **(env or {}),
    }
    command = [sys.executable, str(wrapper), str(audit_log), *target]
    if strace:
        # -y names the file behind each descriptor; seccomp-bpf keeps untraced calls at full speed.
        calls = "%network,open,openat,openat2,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat"
        command = [
            shutil.which("strace") or "strace",
            "-f",
            "-qq",
            "-y",
            "--seccomp-bpf",
            "-o",
            str(trace),
            "-e",
            f"trace={calls}",
            *command,
        ]
    done = subprocess.run(
        command, cwd=sandbox / "cwd", env=child_env, capture_output=True, text=True, timeout=timeout
    )
    audit = [json.loads(line) for line in audit_log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return WatchedRun(
        sandbox=sandbox,
        returncode=done.returncode,
        stderr=done.stderr,
        audit=audit,
        strace=trace.read_text(encoding="utf-8", errors="replace") if strace else None,
        before=before,
    )


# -- what counts as a breach ---------------------------------------------------------------------------

#: Files a run may leave behind (each is still checked for picture data).
ALLOWED_FILES = (
    re.compile(r".*\.log(\.\d+)?$"),  # rotating logs
    re.compile(r".*stats.*\.(json|jsonl|csv|txt)$"),  # the anonymous statistics
    re.compile(r".*(heartbeat|\.lock|\.pid)$"),  # the kiosk's liveness file and single-instance lock
    # mediapipe imports matplotlib, which caches the list of installed fonts (names only) on first use
    re.compile(r".*/matplotlib/fontlist-v[\d.]+\.json$"),
)

_DEVICES = ("/dev/", "/proc/", "/sys/")


def _is_media_path(path: str) -> bool:
    return Path(path).suffix.lower() in MEDIA_ENDINGS


def _content_problems(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    kind = media_kind(data)
    return [f"{path}: holds {kind} data"] if kind else []


def leftover_problems(run: WatchedRun) -> list[str]:
    """Files in the sandbox that are not allowed there, or that hold pictures."""
    problems = []
    for path in run.new_files():
        rel = path.relative_to(run.sandbox).as_posix()
        if not any(p.match("/" + rel) for p in ALLOWED_FILES):
            problems.append(f"{rel}: unexpected file ({path.stat().st_size} bytes)")
        elif _is_media_path(rel):
            problems.append(f"{rel}: a picture or video file")
        problems += [f"{rel}: {p}" for p in picture_data_problems(path.read_bytes())]
    return problems


def audit_write_problems(run: WatchedRun) -> list[str]:
    """Writes (seen by the audit hook) to picture or video paths, or leaving picture data behind."""
    problems = []
    for record in run.audit:
        if record["event"] not in ("write", "rename"):
            continue
        path = record["path"]
        if not isinstance(path, str) or path.startswith(_DEVICES):
            continue
        if _is_media_path(path):
            problems.append(f"{record['event']} {path}: a picture or video file")
        problems += _content_problems(Path(path))
    return problems


#: A network camera's address and UDP port, as a ``visca://`` head string names them.
Peer = tuple[str, int]


def _peer(text: str) -> Peer | None:
    """The address and port of an audited ``repr`` of a socket address, like ``('10.0.0.5', 52381)``."""
    import ast

    try:
        address = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    if isinstance(address, tuple) and len(address) >= 2:
        return str(address[0]), int(address[1])
    return None


def audit_socket_problems(run: WatchedRun, cameras: Sequence[Peer] = ()) -> list[str]:
    """Internet sockets (AF_INET, AF_INET6) the audit hook saw created or used, and name look-ups.

    With ``cameras``, the one exception of the module's description: a UDP
    socket whose first use is a connect to one of those addresses.
    """
    import socket

    inet = {int(socket.AF_INET), int(socket.AF_INET6)}
    problems: list[str] = []
    waiting: dict[int, dict[str, Any]] = {}  # UDP sockets made, not yet connected
    connected: set[int] = set()
    for r in run.audit:
        event, sock = r["event"], r.get("sock")
        if event.startswith("socket.get"):
            problems.append(json.dumps(r))
            continue
        if not (event == "socket" or event.startswith("socket.")) or r.get("family") not in inet:
            continue
        if event == "socket" and sock in waiting:  # an earlier socket freed, its id taken again
            problems.append(json.dumps(waiting.pop(sock)) + " (never connected to a camera)")
        if event == "socket":
            connected.discard(sock)
            if cameras and r.get("type") == int(socket.SOCK_DGRAM) and sock is not None:
                waiting[sock] = r
                continue
        if event == "socket.connect" and sock in waiting and _peer(r["address"]) in cameras:
            del waiting[sock]
            connected.add(sock)
            continue
        problems.append(json.dumps(r))
    problems += [json.dumps(r) + " (never connected to a camera)" for r in waiting.values()]
    return problems


_STRACE_CALL = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(\w+)\((.*)$")
_NETWORK_CALLS = set(
    "socket socketpair connect bind listen accept accept4 sendto sendmsg sendmmsg recvfrom recvmsg recvmmsg "
    "getsockname getpeername setsockopt getsockopt shutdown".split()
)
_INET = re.compile(r"\bAF_INET6?\b|<(?:TCP|UDP|TCPv6|UDPv6|RAW|RAWv6|UDPLITE)[:>]")
_OPEN_FLAGS = re.compile(r"\bO_(?:WRONLY|RDWR|CREAT|TRUNC|APPEND)\b")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unquote(s: str) -> str:
    return s.encode("latin-1", "backslashreplace").decode("unicode_escape")


def _strace_path(args: str, index: int, cwd: Path) -> str | None:
    """The ``index``-th quoted path in a syscall's arguments, made absolute (``-y`` names descriptors)."""
    quoted = list(_QUOTED.finditer(args))
    if len(quoted) <= index:
        return None
    path = _unquote(quoted[index].group(1))
    if not path.startswith("/"):
        before = args[: quoted[index].start()]
        dirfd = re.findall(r"\d+<([^>]*)>", before)
        path = f"{dirfd[-1]}/{path}" if dirfd else str(cwd / path)
    return path


_MADE = re.compile(r"=\s*\d+<(?:socket|UDP|UDPv6):\[(\d+)\]>")  # socket(...) = 4<socket:[5501]>
_USED = re.compile(r"^\d+<(?:socket|UDP|UDPv6):\[(\d+)\]>")  # connect(4<socket:[5501]>, ...
_PORT = re.compile(r"\bsin6?_port=htons\((\d+)\)")
_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6,\s*"([^"]+)"')
_THROUGH = {"sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg"}


def _strace_peer(args: str) -> Peer | None:
    port, address = _PORT.search(args), _ADDRESS.search(args)
    if port is None or address is None:
        return None
    return address.group(1) or address.group(2), int(port.group(1))


def strace_network_problems(trace: str, cameras: Sequence[Peer] = ()) -> list[str]:
    """Lines of an ``strace -f -y`` log where a process made or used an internet socket.

    With ``cameras``, the one exception of the module's description: a UDP
    socket whose first call is a connect to one of those addresses, then only
    sends and receives through it.
    """
    problems = []
    waiting: dict[str, str] = {}  # UDP sockets made, not yet connected, by inode
    connected: set[str] = set()
    for line in trace.splitlines():
        m = _STRACE_CALL.match(line)
        if not m or m.group(2) not in _NETWORK_CALLS:
            continue
        call, args = m.group(2), m.group(3)
        used = _USED.match(args)
        inode = used.group(1) if used else None
        if cameras and call == "socket" and _INET.search(args) and "SOCK_DGRAM" in args:
            made = _MADE.search(args)
            if made and " = -1 " not in args:
                waiting[made.group(1)] = line.strip()
                continue
        if call == "connect" and inode in waiting and _strace_peer(args) in cameras:
            del waiting[inode]
            connected.add(inode)
            continue
        if call in _THROUGH and inode in connected and "sa_family=" not in args:
            continue  # through the connection, with no address of its own
        if _INET.search(args) or inode in waiting or inode in connected:
            problems.append(line.strip())
    problems += [f"{line}  (never connected to a camera)" for line in waiting.values()]
    return problems


def strace_write_problems(trace: str, cwd: Path) -> list[str]:
    """Files that native or Python code opened for writing (or renamed into) that are pictures or video.

    ``cwd`` is the traced process's working directory, for relative paths.
    """
    problems = []
    for line in trace.splitlines():
        m = _STRACE_CALL.match(line)
        if not m:
            continue
        call, args = m.group(2), m.group(3)
        path = None
        if call in ("open", "openat", "openat2") and _OPEN_FLAGS.search(args):
            path = _strace_path(args, 0, cwd)
        elif call == "creat":
            path = _strace_path(args, 0, cwd)
        elif call in ("rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat"):
            path = _strace_path(args, 1, cwd)
        if path is None or path.startswith(_DEVICES):
            continue
        if _is_media_path(path):
            problems.append(f"{call} {path}: a picture or video file")
        problems += _content_problems(Path(path))
    return problems


def _require_strace() -> None:
    why = strace_usable()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the network audit must run in CI: {why}")
        pytest.skip(why)


# -- the detectors catch what they should --------------------------------------------------------------


def test_picture_data_is_recognised_in_files_logs_and_statistics(tmp_path: Path) -> None:
    image = np.zeros((48, 64, 3), np.uint8)
    cv2.circle(image, (32, 24), 12, (200, 180, 160), -1)
    for ext in (".png", ".jpg", ".bmp", ".webp", ".tiff", ".ppm"):
        ok, encoded = cv2.imencode(ext, image)
        assert ok and media_kind(encoded.tobytes()) is not None, ext
    np.save(tmp_path / "embedding.npy", np.random.default_rng(0).random(128, dtype=np.float32))
    assert media_kind((tmp_path / "embedding.npy").read_bytes()) == "NumPy array"
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48))
    writer.write(image)
    writer.release()
    assert media_kind((tmp_path / "clip.avi").read_bytes()) == "AVI"
    from installation.outputs import VideoWriter

    with VideoWriter(tmp_path / "clip.mp4", fps=10, size=(64, 48)) as mp4:
        mp4.write(image)
    assert media_kind((tmp_path / "clip.mp4").read_bytes()) == "MP4/MOV"

    import base64

    jpeg = cv2.imencode(".jpg", image)[1].tobytes()
    embedding = np.random.default_rng(1).standard_normal(128)
    bad = {
        "a face crop logged as base64": f"INFO face crop {base64.b64encode(jpeg).decode()}\n",
        "an embedding logged as numbers": "INFO embedding " + ", ".join(f"{v:.5f}" for v in embedding) + "\n",
        "pixels logged as a list": "INFO pixels " + str(image[:8].ravel().tolist()) + "\n",
        "raw float32 bytes": embedding.astype(np.float32).tobytes().decode("latin-1"),
        "a PNG pasted into a log": "INFO shot " + cv2.imencode(".png", image)[1].tobytes().decode("latin-1"),
    }
    for what, text in bad.items():
        assert picture_data_problems(text.encode("utf-8" if what != "raw float32 bytes" else "latin-1")), what
    clean = (
        "2026-05-01 10:00:00,123 INFO installation.sources: Hall: started (1280x720 at 30 fps)\n"
        "2026-05-01 10:00:01,456 WARNING installation.hardware: panel: /dev/ttyACM0 is not present\n"
        '{"day": "2026-05-01", "visitors": 42, "exposed_seconds": 12.5, "effects": {"blur": 310}}\n'
    )
    assert picture_data_problems(clean.encode()) == []


CANARY = textwrap.dedent(
    """
    import ctypes, os, socket, sys
    import cv2, numpy as np

    image = np.full((48, 64, 3), 128, np.uint8)
    cv2.imwrite(os.path.join(os.environ["HOME"], "frame.png"), image)  # native code: no Python open
    with open("face.jpg", "wb") as f:                                   # Python code, in the working dir
        f.write(cv2.imencode(".jpg", image)[1].tobytes())
    with open(os.path.join(os.environ["TMPDIR"], "cache.bin"), "wb") as f:  # a picture under an innocent name
        f.write(cv2.imencode(".png", image)[1].tobytes())
    cv2.imwrite(sys.argv[1], image)                                     # outside every sandbox folder
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()            # a Python socket
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(10, 2, 0)                                          # AF_INET6 from native code
    if fd >= 0:
        os.close(fd)
    """
)


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> tuple[WatchedRun, Path]:
    """A child that writes pictures and opens internet sockets, watched like the real runs."""
    base = tmp_path_factory.mktemp("canary")
    script = base / "canary.py"
    script.write_text(CANARY, encoding="utf-8")
    outside = base / "elsewhere" / "outside.png"
    outside.parent.mkdir()
    use_strace = strace_usable() is None
    run = run_watched(base, ["--script", str(script), str(outside)], strace=use_strace)
    assert run.returncode == 0, run.stderr[-2000:]
    return run, outside


def test_the_folder_listing_catches_pictures_written_by_native_and_python_code(
    canary: tuple[WatchedRun, Path],
) -> None:
    run, _ = canary
    problems = "\n".join(leftover_problems(run))
    assert "home/frame.png: unexpected file" in problems
    assert "cwd/face.jpg: unexpected file" in problems
    assert "tmp/cache.bin" in problems and "holds PNG data" in problems


def test_the_audit_hook_catches_python_writes_and_sockets(canary: tuple[WatchedRun, Path]) -> None:
    run, _ = canary
    writes = "\n".join(audit_write_problems(run))
    assert "face.jpg: a picture or video file" in writes
    assert "cache.bin: holds PNG data" in writes  # found by content, whatever the name
    assert "frame.png" not in writes  # written by OpenCV's native code: the hook cannot see it ...
    sockets = audit_socket_problems(run)
    assert len(sockets) == 1 and '"family": 2' in sockets[0]  # ... nor the socket made through libc


def test_strace_catches_native_writes_and_native_sockets(canary: tuple[WatchedRun, Path]) -> None:
    _require_strace()
    run, outside = canary
    assert run.strace is not None
    writes = "\n".join(strace_write_problems(run.strace, run.sandbox / "cwd"))
    assert "frame.png: a picture or video file" in writes  # ... which is why strace watches too
    assert f"{outside}: a picture or video file" in writes
    assert "cache.bin: holds PNG data" in writes
    network = strace_network_problems(run.strace)
    assert any("AF_INET," in line for line in network), network
    assert any("AF_INET6" in line for line in network), network


def test_local_sockets_are_not_counted_as_network() -> None:
    trace = (
        "101 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3<UNIX:[5501]>\n"
        '101 connect(3<UNIX:[5501]>, {sa_family=AF_UNIX, sun_path="/tmp/.X11-unix/X0"}, 20) = 0\n'
        "102 socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 4<NETLINK:[5502]>\n"
        "102 sendto(4<NETLINK:[5502]>, [{nlmsg_len=20, nlmsg_type=RTM_GETLINK}], 20, 0, NULL, 0) = 20\n"
        "103 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 5<UDPv6:[5503]>\n"
        "103 connect(5<UDPv6:[5503]>, {sa_family=AF_INET6, sin6_port=htons(53)}, 28) = 0\n"
    )
    assert [line.split()[1].split("(")[0] for line in strace_network_problems(trace)] == ["socket", "connect"]


def test_the_camera_exception_lets_through_one_connected_udp_socket_and_nothing_else() -> None:
    camera = ("10.0.0.5", 52381)
    to_camera = '{sa_family=AF_INET, sin_port=htons(52381), sin_addr=inet_addr("10.0.0.5")}'
    to_any = '{sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}'
    allowed = (
        "201 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 7<socket:[801]>\n"
        f"201 connect(7<socket:[801]>, {to_camera}, 16) = 0\n"
        '202 sendto(7<socket:[801]>, "\\x02\\x00\\x00\\x01", 9, 0, NULL, 0) = 9\n'
        "202 recvfrom(7<socket:[801]>, <unfinished ...>\n"
        '202 <... recvfrom resumed> "\\x02\\x01", 1024, 0, NULL, NULL) = 9\n'
    )
    assert strace_network_problems(allowed, [camera]) == []
    assert len(strace_network_problems(allowed)) == 2  # without the camera in the config: socket, connect
    breaches = {
        "another address": allowed.replace('inet_addr("10.0.0.5")', 'inet_addr("10.0.0.6")'),
        "another port": allowed.replace("htons(52381)", "htons(52382)"),
        "a stream socket": allowed.replace("SOCK_DGRAM", "SOCK_STREAM"),
        "a datagram with its own destination": allowed.replace(
            "9, 0, NULL, 0)",
            '9, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.1")}, 16)',
        ),
        "a bind": allowed + f"203 bind(7<socket:[801]>, {to_any}, 16) = 0\n",
        "a second connect": allowed + allowed.splitlines()[1] + "\n",
        "never connected": allowed.splitlines()[0] + "\n",
        "a send before the connect": "\n".join(allowed.splitlines()[i] for i in (0, 2, 1)) + "\n",
        "a second socket": allowed + "204 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 8<socket:[802]>\n",
    }
    for what, trace in breaches.items():
        assert strace_network_problems(trace, [camera]), what
    six = 'sin6_port=htons(52381), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "fd00::5", &sin6_addr)'
    over_six = allowed.replace(to_camera, f"{{sa_family=AF_INET6, {six}}}").replace("(AF_INET,", "(AF_INET6,")
    assert strace_network_problems(over_six, [("fd00::5", 52381)]) == []
    assert strace_network_problems(over_six, [camera]) != []


VISCA_CHILD = textwrap.dedent(
    """
    import os, socket, sys, time
    from installation.steer.head import Pose
    from installation.steer.visca import open_head

    spec = sys.argv[1]
    head = open_head(spec, reply_timeout=0.1)

    def wait(condition):
        deadline = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < deadline, head.status
            time.sleep(0.01)

    wait(lambda: head.steerable)
    head.go_to(Pose(0.5, -0.2, 2.0))
    wait(lambda: abs(head.pose.pan - 0.5) < 0.01)
    head.move(-0.5, 0.5, 0.5)
    time.sleep(0.3)
    head.stop()
    head.close()
    print("steered to", head.pose, file=sys.stderr)

    if sys.argv[2:] == ["and-more"]:  # each of these breaks the promise, the camera's socket or not
        import ctypes
        host, port = "127.0.0.1", int(spec.rsplit(":", 1)[1])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", (host, port))                          # a datagram with its own destination
        s.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((host, port + 1))                           # another port
        s.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((host, 0))                                     # a socket others could send to
        s.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect((host, port))                           # the camera's address, not over UDP
        except OSError:
            pass
        s.close()
        socket.getaddrinfo(host, port)                        # a look-up
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(2, 2, 0)                             # UDP from native code, never connected
        if fd >= 0:
            os.close(fd)
    """
)


@pytest.fixture(scope="module")
def visca_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WatchedRun, WatchedRun, Peer]]:
    """Two watched children that steer a network camera (a simulated one, in this process, on
    127.0.0.1): one that does only that, and one that then breaks the promise in every other way."""
    from installation.steer.viscasim import SimulatedCamera

    use_strace = strace_usable() is None
    # the code under test, whichever copy of the package the interpreter would find by itself
    source = {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with SimulatedCamera() as camera:
        runs = []
        for name, extra in (("steer", []), ("steer-and-more", ["and-more"])):
            base = tmp_path_factory.mktemp(name)
            script = base / "steer.py"
            script.write_text(VISCA_CHILD, encoding="utf-8")
            run = run_watched(
                base, ["--script", str(script), camera.spec, *extra], strace=use_strace, env=source
            )
            assert run.returncode == 0, run.stderr[-3000:]
            assert "steered to pan " in run.stderr
            runs.append(run)
        assert len(camera.peers) == 2  # one socket from each child, the only peers it ever had
        yield runs[0], runs[1], ("127.0.0.1", camera.port)


def test_a_network_camera_is_the_one_peer_a_run_may_have_in_python(
    visca_runs: tuple[WatchedRun, WatchedRun, Peer],
) -> None:
    run, _, camera = visca_runs
    assert audit_socket_problems(run, [camera]) == []
    connects = [r for r in run.audit if r["event"] == "socket.connect"]
    assert len(connects) == 1 and _peer(connects[0]["address"]) == camera
    assert audit_socket_problems(run) != []  # without the camera in the config it is a breach
    assert audit_socket_problems(run, [(camera[0], camera[1] + 1)]) != []


def test_a_network_camera_is_the_one_peer_a_run_may_have_in_native_code(
    visca_runs: tuple[WatchedRun, WatchedRun, Peer],
) -> None:
    _require_strace()
    run, _, camera = visca_runs
    assert run.strace is not None
    assert strace_network_problems(run.strace, [camera]) == []
    calls = [line for line in run.strace.splitlines() if f"htons({camera[1]})" in line]
    assert len(calls) == 1 and " connect(" in f" {calls[0]}"  # the camera's address, once: the connect
    assert any(" sendto(" in f" {line}" and "NULL, 0)" in line for line in run.strace.splitlines())
    assert strace_network_problems(run.strace) != []


def test_the_audit_hook_catches_every_other_socket_beside_a_camera(
    visca_runs: tuple[WatchedRun, WatchedRun, Peer],
) -> None:
    _, run, camera = visca_runs
    problems = "\n".join(audit_socket_problems(run, [camera]))
    assert '"event": "socket.sendto"' in problems
    assert f"('127.0.0.1', {camera[1] + 1})" in problems
    assert '"event": "socket.bind"' in problems
    assert '"type": 1' in problems  # the stream socket
    assert '"event": "socket.getaddrinfo"' in problems
    assert problems.count("never connected to a camera") == 3  # sendto, bind; the other port's too
    legit = "\n".join(audit_socket_problems(visca_runs[0], [camera]))
    assert legit == ""


def test_strace_catches_every_other_socket_beside_a_camera(
    visca_runs: tuple[WatchedRun, WatchedRun, Peer],
) -> None:
    _require_strace()
    _, run, camera = visca_runs
    assert run.strace is not None
    problems = "\n".join(strace_network_problems(run.strace, [camera]))
    assert (
        f'htons({camera[1]}), sin_addr=inet_addr("127.0.0.1")}}, 16) = 1' in problems
    )  # sendto, own address
    assert f"htons({camera[1] + 1})" in problems
    assert "bind(" in problems
    assert "SOCK_STREAM" in problems
    assert problems.count("never connected to a camera") == 4  # sendto, other port, bind; and libc's


# -- the real runs ---------------------------------------------------------------------------------------


def _kiosk_config(sandbox: Path) -> None:
    """The config an installer would leave at the default place: the bundled clips as four cameras."""
    from installation.config import demo_config

    folder = sandbox / "config" / "monitoring-room"
    folder.mkdir(parents=True, exist_ok=True)
    cameras = "".join(
        f'[[cameras]]\nname = "{c.name}"\nsource = "{c.source}"\ndetector = "{c.detector}"\n'
        f"small_faces = {str(c.small_faces).lower()}\n\n"
        for c in demo_config().cameras
    )
    (folder / "monitoring.toml").write_text(cameras + '[kiosk]\npin = "2580"\n', encoding="utf-8")


RUNS = {
    "demo": ["demo", "--headless", "--frames", str(DEMO_FRAMES), "--size", "960x540"],
    "kiosk": ["kiosk", "--headless", "--frames", str(DEMO_FRAMES), "--size", "960x540"],
}


@pytest.fixture(scope="module", params=sorted(RUNS))
def watched(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WatchedRun]:
    """One real run of the installation, sandboxed and watched (strace too, when it can run here)."""
    name = request.param
    base = tmp_path_factory.mktemp(name)
    if name == "kiosk":
        _kiosk_config(base / "sandbox")
    run = run_watched(base, RUNS[name], strace=strace_usable() is None)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.audit_ended is not None and run.audit_ended["opens"] > 0, "the audit hook never ran"
    yield run


@pytest.mark.slow
def test_a_run_leaves_no_picture_or_video_in_its_folders(watched: WatchedRun) -> None:
    assert leftover_problems(watched) == []


@pytest.mark.slow
def test_a_run_opens_no_picture_or_video_file_for_writing(watched: WatchedRun) -> None:
    assert audit_write_problems(watched) == []
    writes = [r for r in watched.audit if r["event"] == "write"]
    assert all(not _is_media_path(str(r["path"])) for r in writes)


@pytest.mark.slow
def test_a_run_makes_no_internet_socket_in_python(watched: WatchedRun) -> None:
    assert audit_socket_problems(watched) == []


@pytest.mark.slow
def test_a_run_makes_no_internet_socket_in_native_code(watched: WatchedRun) -> None:
    _require_strace()
    assert watched.strace is not None and watched.strace.strip(), "strace recorded nothing"
    assert "openat(" in watched.strace  # the trace really covers the run
    assert strace_network_problems(watched.strace) == []
    assert strace_write_problems(watched.strace, watched.sandbox / "cwd") == []


@pytest.mark.slow
def test_logs_and_statistics_hold_no_pictures_faces_or_embeddings(watched: WatchedRun) -> None:
    assert "first camera picture on screen" in watched.stderr  # the log was written, and is checked here
    assert picture_data_problems(watched.stderr.encode()) == []
    written = watched.new_files()
    assert any(p.name.endswith(".log") for p in written), "no log file was written, so none was checked"
    for path in written:
        assert picture_data_problems(path.read_bytes()) == [], path


@pytest.mark.slow
def test_a_screenshot_the_facilitator_asks_for_is_seen_by_every_watcher(tmp_path: Path) -> None:
    """The same watchers on a run that does write a picture (pygame's native code saves it)."""
    run = run_watched(
        tmp_path,
        ["demo", "--headless", "--frames", "20", "--size", "640x360", "--screenshot", "shot.png"],
        strace=strace_usable() is None,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "cwd/shot.png: unexpected file" in "\n".join(leftover_problems(run))
    if run.strace is not None:
        assert any(
            "shot.png: a picture or video file" in p
            for p in strace_write_problems(run.strace, run.sandbox / "cwd")
        )


# -- installation audit: nothing written unless asked, and then only the anonymized video's pixels -------


def _audit_clips(folder: Path) -> tuple[Path, Path]:
    """An original in colour with two faces, and its "anonymized" copy in grey: the faces still show
    (so the audit has suspects), and any pixel taken from the original would carry colour."""
    from installation.outputs import VideoWriter
    from installation.resources import footage_dir

    capture = cv2.VideoCapture(str(footage_dir() / "kiosk.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 270)
    colour, grey = folder / "visit.mp4", folder / "visit-anonymized.mp4"
    with VideoWriter(colour, fps=30, size=(640, 360)) as a, VideoWriter(grey, fps=30, size=(640, 360)) as b:
        for _ in range(10):
            ok, frame = capture.read()
            assert ok
            small = cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)
            a.write(small)
            b.write(cv2.cvtColor(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR))
    capture.release()
    return colour, grey


#: The child imports this checkout's package, whatever is installed in the environment.
_THIS_CHECKOUT = {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def _sandboxed_clips(base: Path) -> tuple[Path, Path]:
    cwd = base / "sandbox" / "cwd"
    cwd.mkdir(parents=True)
    return _audit_clips(cwd)


@pytest.mark.slow
@pytest.mark.parametrize("against", ["alone", "original"])
def test_audit_writes_nothing_without_a_contact_sheet(tmp_path: Path, against: str) -> None:
    colour, grey = _sandboxed_clips(tmp_path)
    command = ["audit", grey.name, "--no-progress", "--json"]
    if against == "original":
        command += ["--original", colour.name]
    run = run_watched(tmp_path, command, strace=strace_usable() is None, env=_THIS_CHECKOUT)
    assert run.returncode == 5, run.stderr[-3000:]  # suspects: the grey faces still show
    assert run.audit_ended is not None and run.audit_ended["opens"] > 0
    assert leftover_problems(run) == []
    assert [p for p in run.new_files() if not p.name.endswith(".log")] == []
    assert audit_write_problems(run) == []
    assert audit_socket_problems(run) == []
    if run.strace is not None:
        assert strace_write_problems(run.strace, run.sandbox / "cwd") == []
        assert strace_network_problems(run.strace) == []


@pytest.mark.slow
def test_the_contact_sheet_is_the_one_file_written_and_holds_only_the_anonymized_videos_pixels(
    tmp_path: Path,
) -> None:
    colour, grey = _sandboxed_clips(tmp_path)
    command = ["audit", grey.name, "--original", colour.name, "--contact-sheet", "sheet.png", "--json"]
    run = run_watched(
        tmp_path, [*command, "--no-progress"], strace=strace_usable() is None, env=_THIS_CHECKOUT
    )
    assert run.returncode == 5, run.stderr[-3000:]
    sheet = run.sandbox / "cwd" / "sheet.png"
    assert [p for p in run.new_files() if not p.name.endswith(".log")] == [sheet]
    problems = leftover_problems(run)
    assert problems and all(p.startswith("cwd/sheet.png: ") for p in problems), problems
    # Writes to an already open descriptor (the terminal's) name no file: only named ones count.
    named = [r["path"] for r in run.audit if r["event"] in ("write", "rename") and isinstance(r["path"], str)]
    written = {Path(p).name for p in named if not p.endswith(".log") and not p.startswith(_DEVICES)}
    assert len(written) == 2 and "sheet.png" in written
    (partial,) = written - {"sheet.png"}
    assert partial.startswith(".sheet.pid") and partial.endswith(".partial.png")
    if run.strace is not None:
        native = strace_write_problems(run.strace, run.sandbox / "cwd")
        assert {Path(p.split(":")[0].split()[-1]).name for p in native} <= {"sheet.png", partial}

    image = cv2.imread(str(sheet))
    assert image is not None and image.shape[0] > 100
    # Grey everywhere (the crops, the labels, the background): not one pixel with the original's colour.
    spread = image.max(axis=2).astype(int) - image.min(axis=2).astype(int)
    assert int(spread.max()) <= 6
    assert float(image.std()) > 20  # it does hold pictures, not a blank page
    # The original is in colour, so a crop of it could not pass the check above.
    capture = cv2.VideoCapture(str(colour))
    ok, first = capture.read()
    capture.release()
    assert ok
    frame_spread = first.max(axis=2).astype(int) - first.min(axis=2).astype(int)
    assert float(frame_spread.mean()) > 15
