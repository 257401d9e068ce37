"""Languages: bokmål by default, nynorsk and English selectable; every string translated."""

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fieldkit.core import catalogues
from fieldkit.core.catalogues import CATALOGUES


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


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda c: c.name)
@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_message_is_translated(catalogue, language):
    """Each feature's catalogue holds every string of its code and templates, translated."""
    assert catalogues.untranslated(catalogue, language) == [], "run: fieldkit i18n update"


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda c: c.name)
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_compiled_catalogues_match_the_sources(catalogue, language):
    path = catalogue.po_path(language)
    with path.open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id and "fuzzy" not in m.flags}
    with path.with_suffix(".mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run: fieldkit i18n compile"


def test_every_source_file_belongs_to_a_catalogue():
    """A file whose strings no catalogue extracts would go untranslated unnoticed."""
    from fieldkit.config import PROJECT_ROOT

    files = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for pattern in ("fieldkit/**/*.py", "templates/**/*.html")
        for path in PROJECT_ROOT.glob(pattern)
    ]
    assert len(files) > 20
    assert [f for f in files if not catalogues.covered(f)] == []


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_one_string_has_one_translation_across_catalogues(language):
    """Flask-Babel merges the catalogues and the first wins: the same source string must read
    the same in all of them, or a page shows another feature's wording."""
    translations: dict[str, dict[str, list[str]]] = {}
    for catalogue in CATALOGUES:
        path = catalogue.po_path(language)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            for message in read_po(handle):
                if isinstance(message.id, str) and message.id and message.string:
                    translations.setdefault(message.id, {}).setdefault(message.string, []).append(
                        catalogue.name
                    )
    assert {k: v for k, v in translations.items() if len(v) > 1} == {}
