"""The package as a gallery installs it: a wheel, put into a new virtual environment outside the
repository and run from another folder, with nothing of the checkout in sight.

Building the wheel needs setuptools, and installing it needs the package's dependencies: both come
from pip's index (or its cache), as ``make setup`` gets them. Without either, outside CI, the tests
skip and say so; in CI (``CI`` set) that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What building the wheel reads: the package, its assets and what pyproject.toml names.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "installation", "assets")
#: The scripts that make the assets: development tools, never shipped.
DEVELOPMENT_SCRIPTS = ("assets/footage/generate.py", "assets/fonts/make_subset.py")
#: The footage is most of the wheel (about 6 MB); anything near this is something that should not be in it.
MAX_WHEEL_BYTES = 15 * 1024**2
#: What pip says when it cannot reach the package index (without retries, only the last).
OFFLINE = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "NewConnectionError",
    "ConnectTimeoutError",
    "ProxyError",
    "(from versions: none)",
)


def _pip(*args: str, python: str = sys.executable, cwd: Path | None = None) -> None:
    """Run pip; skip (outside CI) when it failed for want of the network, fail otherwise."""
    result = subprocess.run(
        [python, "-m", "pip", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    if result.returncode == 0:
        return
    output = result.stdout + result.stderr
    if not os.environ.get("CI") and any(sign in output for sign in OFFLINE):
        pytest.skip(f"pip cannot reach the package index (pip {args[0]} needs it): {output.strip()[-300:]}")
    pytest.fail(f"pip {' '.join(args)} failed ({result.returncode}):\n{output[-4000:]}")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the build's inputs (a stale build/ folder in the checkout
    could otherwise slip files into it that the source no longer has)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    _pip("wheel", str(source), "--no-deps", "--quiet", "-w", str(out))
    (built,) = out.glob("monitoring_room-*.whl")
    return built


def test_the_wheel_holds_the_footage_fonts_texts_and_weights_and_no_development_scripts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    # Every shipped file of the checkout, under the package: "assets/x" is "installation/assets/x".
    shipped = [
        *(p for p in (ROOT / "assets" / "footage").iterdir() if p.suffix in (".mp4", ".json")),
        *(p for p in (ROOT / "assets" / "footage" / "wide").iterdir() if p.suffix in (".mp4", ".json")),
        *(ROOT / "assets" / "fonts").glob("*.otf"),
        *(ROOT / "assets" / "fonts").glob("*.ttf"),
        ROOT / "assets" / "fonts" / "OFL.txt",
        ROOT / "assets" / "captions" / "captions.toml",
        ROOT / "assets" / "explain" / "explain.toml",
    ]
    assert len(shipped) >= 14  # four clips with their ground truth, three fonts, the licence, two texts
    missing = [
        name
        for name in ("installation/" + p.relative_to(ROOT).as_posix() for p in shipped)
        if name not in names
    ]
    assert not missing, f"not in the wheel: {missing}"
    weights = {
        "installation/detect/weights/face_detection_yunet_2023mar.onnx",
        "installation/detect/weights/LICENSE",
        "installation/detect/weights/README.md",
        # MTCNN, for `installation audit`, with its own licence.
        "installation/detect/weights/mtcnn_pnet.onnx",
        "installation/detect/weights/mtcnn_rnet.onnx",
        "installation/detect/weights/mtcnn_onet.onnx",
        "installation/detect/weights/LICENSE-MTCNN",
    }
    assert weights <= names
    scripts = {"installation/" + script for script in DEVELOPMENT_SCRIPTS}
    assert all((ROOT / script).is_file() for script in DEVELOPMENT_SCRIPTS)  # the names are still right
    assert not scripts & names
    # Nothing but the package (and its metadata): no tests, benchmarks or top-level assets folder.
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"installation"}
    assert wheel.stat().st_size < MAX_WHEEL_BYTES


@pytest.mark.slow
def test_the_wheel_installed_elsewhere_runs_the_demo_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    _pip("install", "--quiet", str(wheel), python=python)  # its dependencies from the index, or pip's cache
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", XDG_STATE_HOME=str(tmp_path / "state"))
    where = subprocess.run(
        [
            python,
            "-c",
            "import installation, installation.resources as r; print(installation.__file__); "
            "print(r.footage_dir())",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # The package and its footage come from the new environment, not from the checkout.
    assert all(Path(p).is_relative_to(venv) for p in where), where
    demo = subprocess.run(
        [str(venv / "bin" / "installation"), "demo", "--headless", "--frames", "60"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr[-4000:]
