"""Batches fetched one ahead in a helper thread while the caller works on the one before.

Database drivers let other Python threads run while they wait for the database (SQLite stepping
through its pages, psycopg waiting for the server and the network), so a read of many chunks
(an export of 100,000 responses) overlaps fetching the next chunk with turning this one into
columns. The helper holds at most one batch ahead, so memory grows by one chunk, not more. Only
for a connection no one else uses meanwhile: the caller must not run other statements on it
until the batches are read or closed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

#: What the helper puts after the last batch.
_END = object()


def read_ahead(fetch: Callable[[], list[Any]]) -> Iterator[list[Any]]:
    """The batches ``fetch`` returns, in order, until it returns an empty one.

    The helper thread stops when the caller stops (closes the iterator, or an error unwinds
    it): closing waits for a fetch under way to finish, so the caller may close the cursor
    right after. An error raised by ``fetch`` is raised in the caller.
    """
    batches: queue.Queue[Any] = queue.Queue(maxsize=1)
    stopped = threading.Event()

    def fetch_all() -> None:
        try:
            while not stopped.is_set():
                batch = fetch()
                if not batch:
                    break
                batches.put(batch)
        except BaseException as error:  # raised again in the caller
            batches.put(error)
            return
        batches.put(_END)

    helper = threading.Thread(target=fetch_all, name="fieldkit-read-ahead", daemon=True)
    helper.start()
    try:
        while (batch := batches.get()) is not _END:
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        stopped.set()
        # A helper waiting to put a batch the caller no longer wants gets room to put it.
        while helper.is_alive():
            try:
                batches.get(timeout=0.01)
            except queue.Empty:
                continue
        helper.join()
