"""Languages: bokmål by default, nynorsk and English selectable; every string translated.

The app has one catalogue, ``fieldkit/translations/``, filled by Babel's own extraction as
``babel.cfg`` says (``fieldkit i18n update``) and compiled by Babel (``fieldkit i18n compile``).
"""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fieldkit.config import PROJECT_ROOT
from fieldkit.core import i18n

RUN_UPDATE = "run: fieldkit i18n update, then translate the new entries"


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
    """WTForms' own messages come from its bokmål catalogue (Flask-WTF's i18n)."""
    html = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "This field is required" not in html
    assert '<p class="error-message" id="email-error">Dette feltet er påkrevd.</p>' in html


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict:
    """What ``fieldkit i18n update`` extracts (Babel's frontend with babel.cfg) right now."""
    template = tmp_path_factory.mktemp("i18n") / "messages.pot"
    assert i18n.extract(template) == 0
    with template.open("rb") as handle:
        catalog = read_po(handle)
    messages = {(m.id, m.context): m for m in catalog if m.id}
    assert len(messages) > 1000
    return messages


def read_catalogue(language: str):
    with (i18n.TRANSLATIONS_PATH / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", i18n.TRANSLATED)
def test_every_message_is_translated(extracted, language):
    """Every string babel.cfg extracts has a translation, not fuzzy, in every plural form."""
    catalog = read_catalogue(language)
    missing = []
    for (msgid, context), wanted in extracted.items():
        message = catalog.get(msgid, context)
        forms = () if message is None or message.fuzzy else message.string
        if isinstance(wanted.id, tuple):
            done = isinstance(forms, tuple) and len(forms) == catalog.num_plurals and all(forms)
        else:
            done = isinstance(forms, str) and bool(forms)
        if not done:
            missing.append(msgid)
    assert missing == [], RUN_UPDATE
    assert i18n.untranslated(language) == []


@pytest.mark.parametrize("language", i18n.TRANSLATED)
def test_compiled_catalogue_matches_the_source(language):
    path = i18n.TRANSLATIONS_PATH / language / "LC_MESSAGES" / "messages.po"
    source = {
        (m.id, m.context): m.string
        for m in read_catalogue(language)
        if m.id and m.string and not m.fuzzy
    }
    with path.with_suffix(".mo").open("rb") as handle:
        compiled = {(m.id, m.context): m.string for m in read_mo(handle) if m.id}
    assert len(source) > 1000
    assert compiled == source, "run: fieldkit i18n compile"


def test_every_source_file_is_covered_by_babel_cfg():
    """Babel, reading babel.cfg, visits every .py under fieldkit/ and .html under templates/:
    a file it skips would go untranslated unnoticed, wherever it is moved to."""
    with i18n.BABEL_CFG.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(i18n.BABEL_CFG))
    visited = set()
    for _ in extract_from_dir(
        str(PROJECT_ROOT),
        method_map,
        options_map,
        keywords={},  # only which files are read matters here
        callback=lambda filename, method, options: visited.add(Path(filename).as_posix()),
    ):
        pass
    files = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for pattern in ("fieldkit/**/*.py", "templates/**/*.html")
        for path in PROJECT_ROOT.glob(pattern)
    }
    assert len(files) > 100
    assert sorted(files - visited) == []


def test_the_app_has_one_catalogue(app):
    """One catalogue for bokmål and nynorsk; English is the source, so it needs none."""
    assert app.extensions["babel"].translation_directories == [str(i18n.TRANSLATIONS_PATH)]
    catalogues = sorted(
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "fieldkit").glob("**/LC_MESSAGES/*.po")
    )
    assert catalogues == [
        f"fieldkit/translations/{language}/LC_MESSAGES/messages.po" for language in i18n.TRANSLATED
    ]
