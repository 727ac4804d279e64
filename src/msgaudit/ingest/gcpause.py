"""Pause Python's cyclic garbage collector while an adapter builds millions of small tuples.

Tuples of strings hold no reference cycles, yet every allocation counts towards
a collection that rescans the growing heap; pausing cut the chat split and the
webhook walk by 15-50%.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
