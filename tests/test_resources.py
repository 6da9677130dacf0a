"""The shipped files are package data: every subpackage is packaged, and a missing install says so."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from installation import resources
from installation.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_for_the_wheel() -> None:
    # pyproject.toml lists the packages (the assets' mapping rules out searching for them): a new
    # subpackage left off the list would be missing from every wheel, and only there.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "installation").rglob("__init__.py")}
    assert listed == found | {resources.ASSETS_PACKAGE}


@pytest.fixture
def uninstalled_assets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The package as an editable install made before the assets were mapped into it sees it."""

    def files(package: str) -> object:
        raise ModuleNotFoundError(f"No module named {package!r}")

    resources.assets_dir.cache_clear()
    monkeypatch.setattr(resources.resources, "files", files)
    yield
    resources.assets_dir.cache_clear()


@pytest.mark.usefixtures("uninstalled_assets")
def test_without_its_files_the_demo_says_how_to_reinstall_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--headless", "--frames", "1"]) == 3
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("installation demo: ")
    assert "package installation.assets" in err and "make setup" in err
