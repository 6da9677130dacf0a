"""The files the room ships with: footage, fonts, captions and the workshop's texts.

This folder is installed as the package ``installation.assets`` (see
``package-dir`` in pyproject.toml); read it through :mod:`installation.resources`.
"""
