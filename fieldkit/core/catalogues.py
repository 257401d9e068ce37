"""Translation catalogues: one per feature, each owning the strings of its code and templates.

Source strings are English. Each catalogue folder holds ``messages.pot`` and
``<lang>/LC_MESSAGES/messages.po|mo`` for bokmål, nynorsk and English; Flask-Babel merges them
all. ``fieldkit i18n update`` extracts and updates, ``fieldkit i18n compile`` compiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from fieldkit.config import PROJECT_ROOT

LANGUAGES = ("nb", "nn", "en")
KEYWORDS = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)


@dataclass(frozen=True)
class Catalogue:
    """Where one feature's strings come from and where its translations live."""

    name: str
    folder: Path
    #: Glob patterns, relative to the project root, of the files whose strings belong here.
    python: tuple[str, ...]
    templates: tuple[str, ...]

    def method_map(self) -> list[tuple[str, str]]:
        return [(p, "python") for p in self.python] + [(p, "jinja2") for p in self.templates]

    def po_path(self, language: str) -> Path:
        return self.folder / language / "LC_MESSAGES" / "messages.po"


CATALOGUES = (
    Catalogue(
        "core",
        PROJECT_ROOT / "fieldkit" / "translations",
        ("fieldkit/*.py", "fieldkit/core/**.py"),
        (
            "templates/*.html",
            "templates/core/**.html",
            "templates/macros/**.html",
            "templates/errors/**.html",
        ),
    ),
    # The survey module's strings are split by area so that each can be translated on its own.
    Catalogue(
        "surveys",
        PROJECT_ROOT / "fieldkit" / "surveys" / "translations",
        (
            "fieldkit/surveys/*.py",
            "fieldkit/surveys/views/__init__.py",
            "fieldkit/surveys/views/questionnaires.py",
            "fieldkit/surveys/views/survey_admin.py",
            "fieldkit/surveys/views/respond.py",
            "fieldkit/surveys/views/dashboard.py",
            "fieldkit/surveys/views/outcomes.py",
        ),
        ("templates/surveys/*.html", "templates/surveys/respond/**.html"),
    ),
    Catalogue(
        "surveys_fieldwork",
        PROJECT_ROOT / "fieldkit" / "surveys" / "translations_fieldwork",
        ("fieldkit/surveys/fieldwork/**.py", "fieldkit/surveys/views/fieldwork*.py"),
        ("templates/surveys/fieldwork/**.html", "templates/mail/surveys/**.html"),
    ),
    Catalogue(
        "surveys_items",
        PROJECT_ROOT / "fieldkit" / "surveys" / "translations_items",
        ("fieldkit/surveys/items/**.py", "fieldkit/surveys/views/preview.py"),
        ("templates/surveys/items/**.html",),
    ),
    Catalogue(
        "surveys_editor",
        PROJECT_ROOT / "fieldkit" / "surveys" / "translations_editor",
        ("fieldkit/surveys/editor/**.py", "fieldkit/surveys/views/editor.py"),
        ("templates/surveys/editor/**.html",),
    ),
    Catalogue(
        "surveys_paper",
        PROJECT_ROOT / "fieldkit" / "surveys" / "translations_paper",
        ("fieldkit/surveys/paper/**.py", "fieldkit/surveys/views/paper.py"),
        ("templates/surveys/paper/**.html", "templates/pdf/surveys/**.html"),
    ),
    Catalogue(
        "surveys_results",
        PROJECT_ROOT / "fieldkit" / "surveys" / "translations_results",
        ("fieldkit/surveys/results/**.py", "fieldkit/surveys/views/results*.py"),
        ("templates/surveys/results/**.html", "templates/pdf/surveys/results/**.html"),
    ),
    Catalogue(
        "conferences",
        PROJECT_ROOT / "fieldkit" / "conferences" / "translations",
        ("fieldkit/conferences/**.py",),
        ("templates/conferences/**.html", "templates/pdf/conferences/**.html"),
    ),
)


def covered(path: str) -> bool:
    """Whether some catalogue takes the strings of ``path`` (relative to the project root)."""
    from babel.util import pathmatch

    return any(
        pathmatch(pattern, path)
        for catalogue in CATALOGUES
        for pattern in catalogue.python + catalogue.templates
    )


def translation_directories() -> list[str]:
    """Every catalogue folder that exists, for Flask-Babel."""
    return [str(c.folder) for c in CATALOGUES if c.folder.is_dir()]


def extract(catalogue: Catalogue) -> Catalog:
    """The strings the catalogue's code and templates ask to translate."""
    template = Catalog(project="fieldkit", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PROJECT_ROOT), catalogue.method_map(), keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update(catalogue: Catalogue) -> None:
    """Write the template and bring every language's .po up to date (English: the source)."""
    template = extract(catalogue)
    catalogue.folder.mkdir(parents=True, exist_ok=True)
    with (catalogue.folder / "messages.pot").open("wb") as handle:
        write_po(handle, template, width=100, no_location=True, sort_output=True)
    for language in LANGUAGES:
        path = catalogue.po_path(language)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project="fieldkit", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        if language == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        with path.open("wb") as handle:
            write_po(
                handle, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True
            )


def compile_catalogue(catalogue: Catalogue) -> None:
    """Compile every language's .po to .mo."""
    for language in LANGUAGES:
        path = catalogue.po_path(language)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def untranslated(catalogue: Catalogue, language: str) -> list[str]:
    """Strings of the catalogue's sources that have no (non-fuzzy) translation in ``language``."""
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract(catalogue) if m.id}
    path = catalogue.po_path(language)
    if not path.exists():
        return sorted(wanted)
    with path.open("rb") as handle:
        catalog = read_po(handle)
    done = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id
        and m.string
        and "fuzzy" not in m.flags
        and (not isinstance(m.string, tuple) or all(m.string))
    }
    return sorted(wanted - done)
