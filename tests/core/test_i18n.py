"""Languages: bokmål by default, nynorsk and English selectable; every string translated."""

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "fieldkit" / "translations"


def test_language_switch_is_remembered(client):
    assert "Logg inn" in client.get("/login").get_data(as_text=True)
    response = client.post("/language", data={"language": "nn", "next": "/login"})
    assert response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="nn">' in html
    assert "Gå til innhaldet" in html
    client.post("/language", data={"language": "en"})
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"language": "sv"})
    assert '<html lang="nb">' in client.get("/login").get_data(as_text=True)


def test_form_validation_messages_follow_the_language(client):
    html = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "This field is required" not in html
    assert "Dette feltet er påkrevd" in html or "Feltet er påkrevd" in html


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_message_is_translated(language):
    """The catalogues hold every string in the code and templates, each translated."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    wanted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords
        )
    }
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id
        and m.string
        and (not isinstance(m.string, tuple) or all(m.string))
        and "fuzzy" not in m.flags
    }
    assert sorted(wanted - translated) == []


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_compiled_catalogues_match_the_sources(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id and "fuzzy" not in m.flags}
    with (folder / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d fieldkit/translations"
