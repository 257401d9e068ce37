"""The definition engine's messages, said in the researcher's language on the editor's pages.

``definition`` and ``logic`` raise messages that are translated when shown; the editor words
a few of them for its own pages ("give at least one choice" where the file format says
"expected a list of choices"), matching their English text and keeping the names they quote.
The rest are shown in the engine's own translation.
"""

from __future__ import annotations

import re

from flask_babel import gettext

from fieldkit.core.i18n import N_

#: (pattern of the engine's English message, the editor's wording of it for translation)
PATTERNS = [
    (r"expected a list of choices", N_("give at least one choice")),
    (r"expected a list of rows", N_("give at least one row")),
    (r"expected a list of columns", N_("give at least one column")),
    (r"'x av N' needs a denominator N >= 1", N_('"x of N" needs N of at least 1')),
    (r"min is larger than max", N_("the smallest allowed is larger than the largest")),
    (
        r"'(?P<name>[^']*)' is not a (?:unique )?valid (?:variable )?name.*",
        N_(
            "'%(name)s' is not a valid name: a letter, then letters, digits or _ (at most 32), "
            "used only once"
        ),
    ),
    (
        r"(?P<name>'[^']*'|None) is not a valid variable name.*",
        N_(
            "%(name)s is not a valid name: a letter, then letters, digits or _ (at most 32), "
            "used only once"
        ),
    ),
    (
        r"a column needs a name of letters, digits, _",
        N_("a column needs a name of letters, digits and _"),
    ),
]

_COMPILED = [(re.compile(pattern + r"\Z"), message) for pattern, message in PATTERNS]


def translate(message: str, otherwise: str | None = None) -> str:
    """``message`` (English) as the editor says it, in the current language; ``otherwise``
    (the engine's own translation), else ``message`` itself, when the editor has no wording."""
    for pattern, translated in _COMPILED:
        match = pattern.match(message)
        if match:
            return gettext(translated, **match.groupdict())
    return message if otherwise is None else otherwise
