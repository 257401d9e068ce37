"""Deployment tests: the wheel installed outside the checkout, and the production stack of
``deploy/`` (nginx, two app nodes, RQ workers, PostgreSQL, Redis) through a day of fieldwork.

They take minutes, install packages and restart this machine's PostgreSQL, so they run only
when ``FIELDKIT_TEST_DEPLOY=1`` (``.ci/run`` sets it, after the two test runs).
"""

import os
import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("FIELDKIT_TEST_DEPLOY") == "1":
        return
    skip = pytest.mark.skip(reason="deployment test: set FIELDKIT_TEST_DEPLOY=1 (CI does)")
    for item in items:
        if "tests/deploy/" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture
def needs_stack():
    """The stack's services: nginx installed, PostgreSQL and Redis named by the test settings."""
    missing = [
        name
        for name, ok in (
            ("nginx", shutil.which("nginx")),
            ("FIELDKIT_TEST_DATABASE_URL", os.environ.get("FIELDKIT_TEST_DATABASE_URL")),
            ("FIELDKIT_TEST_REDIS_URL", os.environ.get("FIELDKIT_TEST_REDIS_URL")),
        )
        if not ok
    ]
    if missing:
        pytest.fail("the deployment test needs " + ", ".join(missing))
