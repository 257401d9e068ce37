"""Python's cyclic garbage collector paused around work that builds many objects at once.

Rendering a PDF (hundreds of thousands of WeasyPrint boxes that live until it is written) and
building an export's data frame (a tuple per response and one object per value, a chunk at a
time) made the collector run hundreds of times while it found little to free (the measurements
are in ``docs/benchmarks.md``). Reference counting still frees everything that is not in a
cycle.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector switched off for the duration of the block, and on again afterwards
    unless the caller had it off already.

    The switch is process-wide, so a request served meanwhile in another thread also runs
    without the collector for those few seconds, which is harmless.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
