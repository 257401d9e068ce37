"""The summary PDF's rendering helpers: the garbage collector is paused only while rendering."""

import gc

import pytest

from fieldkit.conferences.compile import collector_paused


def test_the_collector_is_off_while_rendering_and_on_again_afterwards():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_after_a_failed_rendering():
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
