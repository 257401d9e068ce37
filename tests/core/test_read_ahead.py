"""Batches fetched one ahead in a helper thread: in order, errors raised in the caller, the
helper gone when the caller stops, and never more than one batch waiting."""

import threading

import pytest

from fieldkit.core.read_ahead import read_ahead


def batches_of(data, size, fetched=None):
    """A fetch function over ``data`` in batches of ``size`` (counting its calls)."""
    position = 0

    def fetch():
        nonlocal position
        if fetched is not None:
            fetched.append(threading.current_thread().name)
        batch = data[position : position + size]
        position += size
        return batch

    return fetch


def helpers():
    return [t for t in threading.enumerate() if t.name == "fieldkit-read-ahead"]


def test_every_batch_comes_in_order_and_the_helper_ends():
    fetched = []
    assert list(read_ahead(batches_of(list(range(10)), 3, fetched))) == [
        [0, 1, 2], [3, 4, 5], [6, 7, 8], [9],
    ]  # fmt: skip
    # Four batches and the empty one that ends them, all fetched in the helper thread.
    assert fetched == ["fieldkit-read-ahead"] * 5
    assert helpers() == []


def test_nothing_to_read():
    assert list(read_ahead(lambda: [])) == []
    assert helpers() == []


def test_an_error_while_fetching_is_raised_in_the_caller():
    calls = []

    def fetch():
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database gone")
        return [len(calls)]

    batches = read_ahead(fetch)
    assert next(batches) == [1]
    with pytest.raises(RuntimeError, match="database gone"):
        next(batches)
    assert helpers() == []


def test_a_caller_that_stops_early_stops_the_helper_and_at_most_two_batches_were_read_ahead():
    fetched = []
    batches = read_ahead(batches_of(list(range(1000)), 1, fetched))
    assert next(batches) == [0]
    batches.close()
    assert helpers() == []
    # The one taken, at most one waiting in the queue and one that was waiting to be put.
    assert 1 <= len(fetched) <= 3


def test_an_error_in_the_caller_stops_the_helper():
    with pytest.raises(ValueError):
        for batch in read_ahead(batches_of(list(range(1000)), 10)):
            if batch[0] == 20:
                raise ValueError("caller failed")
    assert helpers() == []
