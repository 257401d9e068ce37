"""Text from people, made safe to store and to write into documents.

Two guarantees, one function each:

- ``normalise`` at input: what a respondent, a referent or a staff member types is stored as
  they meant it, never refused and never lost: CRLF and CR become LF, a vertical tab or form
  feed (Word's line and page break, pasted) becomes a line break, and the other control
  characters (NUL, which PostgreSQL refuses, and the rest of C0 and DEL) are removed, as are
  lone surrogates (not UTF-8) and U+FFFE/U+FFFF. Tab and newline stay. Every form field and
  query parameter of every request goes through it (``FormTextRequest``), and so do the
  operations that store answers and points whatever their source
  (``respond.operations.save_answers``, the referent's sync ops).
- ``xml_safe`` at output: text already stored before this rule, or from anywhere else, is
  cleaned of what XML 1.0 cannot hold before it goes into CSV and XLSX (``spreadsheets``),
  DOCX and PPTX (their contexts, ``xml_safe_data``), so one character never makes a whole
  export fail. PDF and HTML take such text as it is (tested: WeasyPrint's parser drops it).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

#: Line breaks of other systems and of Word (vertical tab, form feed): one newline.
_BREAKS = re.compile(r"\r\n?|[\x0b\x0c]")
#: Control characters but tab and newline, DEL, lone surrogates, and the two noncharacters
#: XML forbids.
_UNWANTED = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
#: Word's line and page breaks, which XML cannot hold.
_WORD_BREAKS = re.compile("[\x0b\x0c]")
#: What XML 1.0 cannot hold (after Word's breaks are turned into newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalise(text: str) -> str:
    """``text`` with line breaks as LF and no control characters but tab and newline."""
    return _UNWANTED.sub("", _BREAKS.sub("\n", text))


def normalise_value(value: Any) -> Any:
    """``value`` with every string in it (also in lists and dicts) normalised."""
    if isinstance(value, str):
        return normalise(value)
    if isinstance(value, list):
        return [normalise_value(item) for item in value]
    if isinstance(value, dict):
        return {key: normalise_value(item) for key, item in value.items()}
    return value


def xml_safe(text: str) -> str:
    """``text`` with nothing XML 1.0 refuses: Word's breaks as newlines, the rest removed."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub("", _WORD_BREAKS.sub("\n", text))


def xml_safe_data(value: Any) -> Any:
    """``value`` (a document's context: dicts, lists, tuples and dataclasses of plain data)
    with every string in it ``xml_safe``; other values as they are."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list):
        return [xml_safe_data(item) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(xml_safe_data(item) for item in value)
    if isinstance(value, dict):
        return {key: xml_safe_data(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: xml_safe_data(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.init
        }
        return dataclasses.replace(value, **changes)
    return value


def _normalised_pairs(mapping: Any) -> list[tuple[Any, Any]]:
    if mapping is None:
        return []
    if isinstance(mapping, MultiDict):
        items = mapping.items(multi=True)
    elif isinstance(mapping, dict):
        items = [
            (key, item)
            for key, value in mapping.items()
            for item in (value if isinstance(value, list | tuple) else [value])
        ]
    else:
        items = mapping
    return [
        (
            normalise(key) if isinstance(key, str) else key,
            normalise(value) if isinstance(value, str) else value,
        )
        for key, value in items
    ]


class NormalisedMultiDict(ImmutableMultiDict):
    """The parameters of a request (its query string and form fields) with every text
    normalised; uploaded files as they are."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(_normalised_pairs(mapping))


class FormTextRequest(Request):
    """A request whose parameters (query string and form fields) are normalised as they
    are parsed: every page (staff and respondents) gets text it can look up, store and
    export, and a NUL in an address never reaches the database."""

    parameter_storage_class = NormalisedMultiDict
