"""Typed errors that tell a user where the problem is and how to fix it.

Every error a user can cause derives from :class:`RasdError`; the CLI prints its
message on one line and exits non-zero, and never shows a traceback for these.
"""

from __future__ import annotations

from pathlib import Path


class RasdError(Exception):
    """Base class for errors a user can act on."""


class ConfigError(RasdError):
    """A config file or option is wrong (unknown key, bad value, missing file)."""


class SchemaError(RasdError):
    """A label schema is malformed or does not fit the data."""


class DataError(RasdError):
    """Input data is malformed. Carries the place so the message can name it."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = message
        super().__init__(f"{format_location(self.path, line)}{message}")


class FormatError(DataError):
    """A file does not match the annotation format it was read as."""


class ModelLoadError(RasdError):
    """A model, tokenizer or checkpoint cannot be loaded."""


class PreprocessingError(RasdError):
    """Text preprocessing produced something unusable (e.g. empty output from arabert)."""


class MissingExtraError(RasdError):
    """An optional dependency is not installed."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs the '{package}' package: pip install 'rasd[{extra}]'")


def format_location(path: str | None, line: int | None) -> str:
    if path is None:
        return ""
    return f"{path}:{line}: " if line is not None else f"{path}: "
