"""The cyclic garbage collector kept off what start-up built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def startup_objects_frozen() -> Iterator[None]:
    """While the app serves, what start-up made (schema, engines, routes, all living as long as
    the app) sits outside the collector's generations, as `gc.freeze` allows.

    Every full collection walked all of it: a request that makes many objects (a day's
    histogram by the minute makes about 10,000) set off such collections, and they were its
    slow tail (bench/HISTORY.md has the figures). Unfrozen at
    shutdown, so apps started one after another in one process (the tests) leave nothing the
    collector cannot reach. No collection first: in the tests' large heap one per start-up
    doubled the suite's time.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
