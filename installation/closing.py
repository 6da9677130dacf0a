"""``with stage:`` for stages that hold a model, a device or a file: closed when the block ends."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

_Self = TypeVar("_Self", bound="Closing")


class Closing:
    """Mixin: ``__enter__`` returns the object itself and ``__exit__`` calls its ``close()``.

    >>> class Model(Closing):
    ...     closed = False
    ...     def close(self) -> None:
    ...         self.closed = True
    >>> with Model() as model:
    ...     pass
    >>> model.closed
    True
    """

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
