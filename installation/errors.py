"""One exception family for everything the installation reports to a person.

Each subclass is also a builtin, so callers that only know the builtin still
catch it (``except ValueError`` catches a bad config).
"""

from __future__ import annotations


class InstallationError(Exception):
    """Base class: the message says what went wrong, where, and what to do."""

    #: Exit code the command line uses for this kind of error.
    exit_code = 1


class ConfigError(InstallationError, ValueError):
    """A configuration file or value is invalid.

    >>> raise ConfigError("monitoring.toml: cameras[1].source: no such file 'hall.mp4'")
    Traceback (most recent call last):
    ...
    installation.errors.ConfigError: monitoring.toml: cameras[1].source: no such file 'hall.mp4'
    """

    exit_code = 3


class UsageError(InstallationError, ValueError):
    """Bad command-line arguments or unreadable input files."""

    exit_code = 2


class SourceError(InstallationError, OSError):
    """A frame source could not be opened or stopped delivering frames."""


class ModelError(InstallationError, FileNotFoundError):
    """A detection model file is missing or cannot be loaded."""

    exit_code = 3


class HardwareError(InstallationError, OSError):
    """The serial link to the indicator panel failed or spoke an unknown protocol."""
