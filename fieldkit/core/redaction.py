"""Link tokens kept out of every log: the access log (``core.server``) and the app's own error
log (``factory.App.log_exception``) write paths through ``redact``."""

from __future__ import annotations

import re

#: Paths that carry a link token in them: respondents' links, declining, summary downloads.
TOKEN_PATH = re.compile(r"^/(s|o|r|n|d)/[^/?]+")


def redact(path: str) -> str:
    """``path`` with any link token replaced, e.g. ``/s/abc…`` → ``/s/…``."""
    return TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/…", path)
