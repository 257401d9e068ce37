"""The definition engine's messages, said in the researcher's language on the editor's pages.

``definition`` and ``logic`` raise messages that are translated when shown; the editor words
some of them for its own pages ("give at least one choice" where the file format says
"expected a list of choices"), matching their English text and keeping the names, codes and
expressions they quote. The rest are shown in the engine's own translation.
"""

from __future__ import annotations

import re

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated when shown."""
    return message


#: (pattern of the engine's message, the same message for translation)
PATTERNS = [
    (
        r"refers to '(?P<name>[^']+)', which is not a question before this one",
        N_("refers to '%(name)s', which is not a question before this one"),
    ),
    (
        r"unexpected '(?P<token>.*?)' in '(?P<expression>.*)'",
        N_("unexpected '%(token)s' in '%(expression)s'"),
    ),
    (
        r"cannot read the condition from '(?P<rest>.*)'",
        N_("cannot read the condition from '%(rest)s'"),
    ),
    (
        r"expected (?P<wanted>.+?) but found the end in '(?P<expression>.*)'",
        N_("expected %(wanted)s but the condition ends: '%(expression)s'"),
    ),
    (
        r"expected (?P<wanted>.+?) but found (?P<found>.+?) in '(?P<expression>.*)'",
        N_("expected %(wanted)s but found %(found)s in '%(expression)s'"),
    ),
    (
        r"(?P<function>[a-z-]+)\(\) takes a question, e\.g\. .*",
        N_("%(function)s() takes a question, e.g. %(function)s(${q14})"),
    ),
    (
        r"selected\(\) compares with a choice code in quotes",
        N_("selected() compares with a choice code in quotes, e.g. selected(${q14}, '3')"),
    ),
    (r"the condition is empty", N_("the condition is empty")),
    (r"expected a list of choices", N_("give at least one choice")),
    (r"expected a list of rows", N_("give at least one row")),
    (r"expected a list of columns", N_("give at least one column")),
    (r"a table needs 1 to 100 rows", N_("a table needs 1 to 100 rows")),
    (r"'x av N' needs a denominator N >= 1", N_('"x of N" needs N of at least 1')),
    (r"min is larger than max", N_("the smallest allowed is larger than the largest")),
    (r"the name '(?P<name>[^']+)' is used twice", N_("the name '%(name)s' is used twice")),
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
    (r"a note has no answer to require", N_("a note has no answer to require")),
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
