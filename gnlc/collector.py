"""Python's cyclic garbage collector paused while millions of small objects are made.

Building a projection, or the plan and the calls of a first load, makes millions of dicts, tuples
and strings that live until the work ends; each automatic collection scans all of them again (a
100k-city first load spent about 3 of its 31 s there, a projection was 3x slower). They form no cycles worth collecting
in the meantime: the peak memory of that load is the same with the collector paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside; the collector is enabled again after if it was before
    (of threads that overlap, the first to have paused it enables it again when it ends)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
