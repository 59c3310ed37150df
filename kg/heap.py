"""The build's memory: what it lets go of goes back to the system, and no time is spent
looking for garbage that is not there.

CPython's cycle collector walks every live container each time enough new ones have been
made. A build makes millions (the lookups over a plan's quads, the view's network), frees
them by reference counting, and leaves no cycles worth the walk: at a plan of 4 MB the
collector took a sixth of the build's time or more (the graph 6.0 s with it, 3.1 without;
the view 9 s and 4.6; the segment check 1.2 s and 0.4) and found nothing (the peak was
the same). kg build runs with it paused (``collector_paused``).

A large plan's build frees big things in turn: the reports' facts once their graph is made,
the store's bulk loader's buffers, what the gate's checks held. CPython and pyoxigraph
return those to the C allocator, and glibc's malloc keeps the freed pages mapped in the
middle of its heap, where only objects of the same sizes reuse them. The next phase (the
view's network of Python objects) then grows the process past them: at a plan of 4 MB,
~0.1 GB after the facts, ~0.08 GB after the load and ~0.1 GB after the checks.
malloc_trim returns whole free pages.
"""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _trim():
    """glibc's malloc_trim, or None (another C library, or another system: nothing to do)."""
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library the process runs on
    except (OSError, AttributeError, TypeError):
        return None


def give_back() -> None:
    """Return the heap's free pages to the system, after the build let go of something big.
    The cycle collector is not run here: what the build frees goes by reference counting,
    and a full collection walked every live container for nothing (at 1,000 reports two of
    them took 1.4 s and found a few thousand objects, a few kB; the peak was the same)."""
    trim()


def trim() -> None:
    """Return the heap's free pages to the system (no collection: after what C or Rust
    code freed, such as the store's bulk loader, ~0.08 GB at a plan of 4 MB)."""
    malloc_trim = _trim()
    if malloc_trim is not None:
        malloc_trim(0)


def collector_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` with CPython's automatic cycle collection paused while it runs, and restored
    as it was after."""

    @functools.wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return paused
