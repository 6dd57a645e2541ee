"""A small cache for what the store and ``chanjia serve`` make from the database: bounded, safe
across threads, and made once per key however many threads ask for it at once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["Memo", "memo"]

T = TypeVar("T")


class Memo(Generic[T]):
    """Values by key, at most ``size`` of them (the least recently used is dropped beyond: keys
    hold the state of the database they were made from, so old ones go first, and the pages in use
    stay). :meth:`get` makes a missing value once: a thread that asks while another makes it waits
    for that one instead of making it again (fifty reviewers opening one district's page after a
    change cost one table)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:  # made by the thread this one waited for
                    return self._values[key]
            value = make()
            with self._lock:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
                self._making.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def memo(owner: Any, name: str, size: int = 64) -> Memo[Any]:
    """The :class:`Memo` called ``name`` of ``owner`` (made on first use)."""
    found = owner.__dict__.get(name)
    if found is None:
        with _CREATING:
            found = owner.__dict__.setdefault(name, Memo(size))
    return found  # type: ignore[no-any-return]


_CREATING = threading.Lock()
