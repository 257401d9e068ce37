"""The garbage collector is paused only for the duration of the block (PDFs, export frames)."""

import gc

import pytest

from fieldkit.core.collector import collector_paused


def test_the_collector_is_off_inside_the_block_and_on_again_afterwards():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_after_a_failure_inside():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("layout failed")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
