"""Where the room's shipped files are: the footage, fonts, captions and workshop texts.

They are package data: the repository keeps them in ``assets/`` at its top
level, and pyproject.toml installs that folder as the package
``installation.assets``, both into a wheel and with ``pip install -e .``
(``make setup``). :mod:`importlib.resources` finds it wherever the package was
installed, so every module asks here instead of working out a path from its
own file, which only ever held in a checkout.

>>> sorted(p.name for p in footage_dir().glob("*.mp4"))
['corridor.mp4', 'hall.mp4', 'kiosk.mp4', 'lobby.mp4']
>>> font_file("mono").name
'NotoSansMono-Regular-subset.ttf'
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Literal

from installation.errors import InstallationError

#: The package the shipped files are installed as (the repository's ``assets/`` folder).
ASSETS_PACKAGE = "installation.assets"

FontRole = Literal["regular", "bold", "mono"]

#: The shipped font subsets by role (made by ``assets/fonts/make_subset.py``).
FONT_FILES: dict[FontRole, str] = {
    "regular": "NotoSansSC-Regular-subset.otf",
    "bold": "NotoSansSC-Bold-subset.otf",
    "mono": "NotoSansMono-Regular-subset.ttf",
}


class AssetsMissing(InstallationError, FileNotFoundError):
    """The installation's own files cannot be found: the install is incomplete or out of date."""

    exit_code = 3


@functools.cache
def assets_dir() -> Path:
    """The folder of the shipped files, as a real path (video decoders and fonts need one).

    Raises :class:`AssetsMissing`, saying how to reinstall, when the package
    has none: a checkout whose editable install predates the assets' mapping
    (run ``make setup`` again), or an install that keeps the package inside an
    archive, where nothing can be opened by path.
    """
    try:
        folder = resources.files(ASSETS_PACKAGE)
    except ModuleNotFoundError:
        raise AssetsMissing(
            f"the installation's footage, fonts and texts (package {ASSETS_PACKAGE}) are not installed: "
            "reinstall it (in a checkout: make setup, or pip install -e .)"
        ) from None
    if not isinstance(folder, Path):
        raise AssetsMissing(
            f"the installation's files are inside an archive ({folder}); install the wheel with pip instead"
        )
    return folder


def footage_dir() -> Path:
    """The bundled clips and their ground truth (``assets/footage`` in the repository)."""
    return assets_dir() / "footage"


def font_file(role: FontRole) -> Path:
    """The shipped font for ``role``: the sans subset (regular, bold) or the monospaced one."""
    return assets_dir() / "fonts" / FONT_FILES[role]


def captions_file() -> Path:
    """The shipped captions; ``[room] captions_file`` names a gallery's own instead."""
    return assets_dir() / "captions" / "captions.toml"


def explain_file() -> Path:
    """The shipped workshop texts; ``[room] explain_file`` names a gallery's own instead."""
    return assets_dir() / "explain" / "explain.toml"
