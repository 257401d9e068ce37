"""Conference designs: the Storbysatsingen fixture read verbatim, bad files refused clearly."""

import pytest

from fieldkit.conferences.models import Conference
from fieldkit.conferences.setup import design
from fieldkit.extensions import db
from tests.conferences.conftest import FIXTURE


def test_fixture_design_is_read_verbatim():
    d = design.load_design_file(FIXTURE)
    assert d.title == "Vilje Viser Vei - Storbysatsingen"
    assert d.subtitle == "Dialogkonferanser"
    assert [r.title for r in d.rounds] == [
        "Gruppearbeid I – Nå-situasjon og mål",
        "Gruppearbeid II – lokal utvikling",
    ]
    assert len(d.rounds[0].tasks) == 3 and len(d.rounds[1].tasks) == 2
    assert d.rounds[1].preamble == "Ta utgangspunkt i det som kom fram i gruppearbeid I:"
    assert d.rules[4] == "Gå videre med ”brainstorming”, ingen forslag sensureres"
    assert len(d.rules) == 8
    assert d.plenary_rules == [
        "Gruppene refererer kort i plenum",
        "Bruk lysark!",
        "NB: Lysark leveres konferanseledelsen",
    ]
    assert [p.title for p in d.programme] == [
        "Innledning",
        "Gruppearbeid I – Nå-situasjon og mål",
        "Plenum",
        "Gruppearbeid II – lokal utvikling",
        "Plenum",
        "Avslutning",
    ]
    assert [p.session for p in d.programme] == [None, 1, None, 2, None, None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list", "x.yaml: expected a mapping at the top"),
        ("header: T\n", "x.yaml: sessions: expected a list of rounds of group work"),
        ("header: T\nsessions:\n  - title: A\n", "x.yaml: sessions[1].tasks: a round needs"),
        ("header: T\nsessions:\n  - tasks: [q]\n", "x.yaml: sessions[1].title: missing"),
        ("header: [\n", "x.yaml: line"),
        (
            "header: T\nsessions:\n  - {title: A, tasks: [q]}\n"
            "programme:\n  - {time: '9x', title: I}\n",
            "x.yaml: programme[1].time: '9x' is not a time like 09:30",
        ),
    ],
)
def test_bad_designs_say_where(text, message):
    with pytest.raises(design.DesignError) as info:
        design.read_design(text, "x.yaml")
    assert str(info.value).startswith(message)


def test_cli_import_prints_the_new_id_and_copy_reuses_the_design(app, runner, project):
    result = runner.invoke(args=["conference", "import", str(FIXTURE), "--project", project.slug])
    assert result.exit_code == 0, result.output
    conference_id = int(result.output.strip())
    conference = db.session.get(Conference, conference_id)
    assert conference.title == "Vilje Viser Vei - Storbysatsingen"
    assert [len(r.tasks) for r in conference.rounds] == [3, 2]
    assert [i.round.title if i.round else None for i in conference.programme][1] == (
        "Gruppearbeid I – Nå-situasjon og mål"
    )

    result = runner.invoke(args=["conference", "copy", str(conference_id), "--title", "Oslo"])
    assert result.exit_code == 0, result.output
    copy = db.session.get(Conference, int(result.output.strip()))
    assert copy.title == "Oslo"
    assert [t.text for r in copy.rounds for t in r.tasks] == [
        t.text for r in conference.rounds for t in r.tasks
    ]
    assert copy.rounds[0].rules == conference.rounds[0].rules
    assert [i.title for i in copy.programme] == [i.title for i in conference.programme]
    assert copy.participants == []


def test_cli_import_refuses_unknown_project_and_bad_file(app, runner, project, tmp_path):
    result = runner.invoke(args=["conference", "import", str(FIXTURE), "--project", "nope"])
    assert result.exit_code == 1
    assert "no project with short name nope" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("header: T\n")
    result = runner.invoke(args=["conference", "import", str(bad), "--project", project.slug])
    assert result.exit_code == 1
    assert "bad.yaml: sessions: expected a list" in result.output
    assert db.session.query(Conference).count() == 0


def test_deeply_nested_or_aliased_designs_are_refused():
    deep = "header: T\nsessions: " + "[" * 20_000 + "]" * 20_000 + "\n"
    with pytest.raises(design.DesignError) as info:
        design.read_design(deep, "x.yaml")
    assert str(info.value) == "x.yaml: line 2: nested deeper than 64 levels"
    aliased = "a: &a [q, q, q]\nheader: T\nsessions:\n  - {title: A, tasks: *a}\n"
    with pytest.raises(design.DesignError) as info:
        design.read_design(aliased, "x.yaml")
    assert str(info.value) == "x.yaml: line 4: aliases (*name) are not read"
