"""Set-up pages: the conference, its rounds, participants, groups and referent cards; access."""

import io

import openpyxl
import pytest

from fieldkit.conferences.models import Conference, GroupMembership, Participant, Point
from fieldkit.conferences.setup import operations
from fieldkit.conferences.setup.links import active_link, token_for
from fieldkit.extensions import db
from tests.conferences.conftest import FIXTURE, base

CSV = (
    "navn;organisasjon;kategori;kommune;e-post\n"
    "Ola Hansen;Aetat Bergen;Aetat;Bergen;ola@example.no\n"
    "Kari Lie;Fretex;Tiltaksarrangør;Askøy;kari@example.no\n"
    "Per Berg;;Tiltaksdeltaker (bruker);Bergen;\n"
    "Siri Dahl;Aetat Askøy;Aetat;Askøy;siri@example.no\n"
)


def test_only_members_see_a_conference(client, login, make_user, conference, group):
    assert client.get(base(conference) + "/").status_code == 302  # to the login page
    login(make_user("annen@example.no"))
    for path in ("/", "/participants", "/live", "/live.json", "/plenary", "/plenary.json"):
        assert client.get(base(conference) + path).status_code == 403, path


def test_create_conference_from_an_uploaded_design(client, login, facilitator, project):
    login(facilitator)
    response = client.post(
        f"/p/{project.slug}/conferences/new",
        data={"design": (io.BytesIO(FIXTURE.read_bytes()), "design.yaml")},
    )
    assert response.status_code == 302
    conference = db.session.query(Conference).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hva er det dere ønsker å oppnå gjennom Storbysatsingen?" in page
    bad = client.post(
        f"/p/{project.slug}/conferences/new",
        data={"design": (io.BytesIO(b"header: T\n"), "feil.yaml")},
    )
    assert bad.status_code == 422
    assert "feil.yaml: sessions: expected a list" in bad.get_data(as_text=True)
    assert db.session.query(Conference).count() == 1
    assert conference.title in client.get(f"/p/{project.slug}/").get_data(as_text=True)


def test_edit_programme_and_round(client, login, facilitator, conference):
    login(facilitator)
    response = client.post(
        base(conference) + "/edit",
        data={
            "title": "Storbysatsingen",
            "place": "Oslo",
            "date": "2006-06-01",
            "organiser": "AFI",
            "programme": (
                "09:30 Innledning\n10:00 Gruppearbeid I – Nå-situasjon og mål\n12.00 Plenum"
            ),
        },
    )
    assert response.status_code == 302
    assert [(i.starts_at.strftime("%H:%M"), i.round is not None) for i in conference.programme] == [
        ("09:30", False),
        ("10:00", True),
        ("12:00", False),
    ]
    bad = client.post(base(conference) + "/edit", data={"title": "T", "programme": "9x Kaffe"})
    assert bad.status_code == 422
    round_ = conference.rounds[0]
    response = client.post(
        base(conference) + f"/rounds/{round_.id}/edit",
        data={"title": round_.title, "tasks": "Én\nTo", "rules": "Regel A\n\nRegel B"},
    )
    assert response.status_code == 302
    assert [t.text for t in round_.tasks] == ["Én", "To"]
    assert round_.rules == ["Regel A", "Regel B"]


def test_import_participants_from_csv_and_xlsx(client, login, facilitator, conference):
    login(facilitator)
    url = base(conference) + "/participants"
    response = client.post(url, data={"file-file": (io.BytesIO(CSV.encode()), "liste.csv")})
    assert response.status_code == 302
    assert [(p.name, p.category.name, p.kommune) for p in conference.participants][:2] == [
        ("Ola Hansen", "Aetat", "Bergen"),
        ("Kari Lie", "Tiltaksarrangør", "Askøy"),
    ]
    book = openpyxl.Workbook()
    book.active.append(["Navn", "Kommune", "E-post"])
    book.active.append(["Eva", "Bergen", "eva@example.no"])
    book.active.append(["", "Bergen", "x@example.no"])
    book.active.append(["Tor", "Bergen", "ikke-epost"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        url, data={"file-file": (io.BytesIO(buffer.getvalue()), "deltakere.xlsx")}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "deltakere.xlsx" in html and "3" in html and "4" in html
    assert db.session.query(Participant).count() == 4  # nothing of the bad file was added


def test_automatic_groups_mix_categories_or_follow_kommune(conference):
    for name, category, kommune in [
        ("A1", "Aetat", "Bergen"),
        ("A2", "Aetat", "Askøy"),
        ("A3", "Aetat", "Bergen"),
        ("T1", "Tiltaksarrangør", "Bergen"),
        ("T2", "Tiltaksarrangør", "Askøy"),
        ("T3", "Tiltaksarrangør", "Askøy"),
    ]:
        operations.add_participant(conference, name=name, category_name=category, kommune=kommune)
    first, second = conference.rounds
    groups = operations.make_groups(first, 3, "mix")
    db.session.commit()
    for group in groups:
        categories = sorted(m.participant.category.name for m in group.memberships)
        assert categories == ["Aetat", "Tiltaksarrangør"]
    groups = operations.make_groups(second, 2, "kommune")
    db.session.commit()
    assert sorted({m.participant.kommune for m in g.memberships}.pop() for g in groups) == [
        "Askøy",
        "Bergen",
    ]
    assert all(len({m.participant.kommune for m in g.memberships}) == 1 for g in groups)
    # One place per participant per round.
    assert db.session.query(GroupMembership).count() == 12


def test_groups_page_assigns_by_form(client, login, facilitator, conference):
    p = operations.add_participant(conference, name="Ola")
    round_ = conference.rounds[0]
    g1, g2 = operations.add_group(round_), operations.add_group(round_)
    db.session.commit()
    login(facilitator)
    url = base(conference) + f"/rounds/{round_.id}/groups"
    assert client.post(url, data={"action": "assign", f"p{p.id}": str(g2.id)}).status_code == 302
    assert operations.memberships(round_) == {p.id: g2.id}
    assert client.post(url, data={"action": "assign", f"p{p.id}": ""}).status_code == 302
    assert operations.memberships(round_) == {}
    assert g1.name == "Gruppe 1"


def test_cards_show_group_tasks_and_a_working_qr_link(
    client, login, facilitator, conference, group
):
    login(facilitator)
    html = client.get(base(conference) + f"/rounds/{group.round_id}/cards").get_data(as_text=True)
    token = token_for(active_link(group))
    assert f"http://fieldkit.test/g?t={token}" in html
    assert "<svg" in html
    assert "Hvilke virkemidler var det som manglet" in html


def test_create_conference_from_the_standard_design(client, login, facilitator, project):
    login(facilitator)
    response = client.post(f"/p/{project.slug}/conferences/new", data={"action": "builtin"})
    conference = db.session.query(Conference).one()
    assert response.headers["Location"].endswith(f"/conferences/{conference.id}/edit")
    assert [r.title for r in conference.rounds] == [
        "Gruppearbeid I – Nå-situasjon og mål",
        "Gruppearbeid II – lokal utvikling",
    ]
    assert conference.rounds[0].rules_title == "Kjøreregler for gruppearbeidet:"
    assert [c.name for c in operations.categories(project)] == [
        "Aetat",
        "Tiltaksarrangør",
        "Behandlingsapparat/sosiale tjenester",
        "Tiltaksdeltaker (bruker)",
    ]


def test_type_in_and_remove_a_participant(client, login, facilitator, conference):
    login(facilitator)
    url = base(conference) + "/participants"
    response = client.post(
        url,
        data={
            "one-name": "Ola Hansen",
            "one-organisation": "Aetat Bergen",
            "one-category": "Aetat",
            "one-kommune": "Bergen",
            "one-email": "Ola@Example.no",
        },
    )
    assert response.status_code == 302
    participant = db.session.query(Participant).one()
    assert (participant.category.name, participant.email) == ("Aetat", "ola@example.no")
    bad = client.post(url, data={"one-name": "", "one-email": "nei"})
    assert bad.status_code == 422
    assert db.session.query(Participant).count() == 1
    response = client.post(url + f"/{participant.id}/remove")
    assert response.status_code == 302
    assert db.session.query(Participant).count() == 0


def test_copy_from_the_page_keeps_design_but_not_people(client, login, facilitator, conference):
    operations.add_participant(conference, name="Ola")
    group = operations.add_group(conference.rounds[0])
    db.session.add(
        Point(
            group_id=group.id,
            task_id=conference.rounds[0].tasks[0].id,
            key="copy-test-1",
            text="X",
            original_text="X",
        )
    )
    conference.rounds[1].rules = ["Egen regel"]
    db.session.commit()
    login(facilitator)
    response = client.post(base(conference) + "/copy")
    copy = db.session.query(Conference).filter(Conference.id != conference.id).one()
    assert response.headers["Location"].endswith(f"/conferences/{copy.id}/edit")
    assert copy.participants == [] and all(r.groups == [] for r in copy.rounds)
    assert copy.rounds[1].rules == ["Egen regel"]
    assert [t.text for t in copy.rounds[0].tasks] == [t.text for t in conference.rounds[0].tasks]


def test_referent_cards_pdf_has_one_page_per_group(
    client, login, facilitator, conference, tmp_path
):
    from pypdf import PdfReader

    round_ = conference.rounds[1]
    groups = [operations.add_group(round_, name) for name in ("Bergen", "Askøy", "Fjell")]
    db.session.commit()
    login(facilitator)
    response = client.get(base(conference) + f"/rounds/{round_.id}/cards.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 3
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    for group, text in zip(groups, texts, strict=True):
        assert group.name in text
        assert "Ta utgangspunkt i det som kom fram i gruppearbeid I:" in text
        assert "Hva skal vi gjøre for å oppnå våre mål?" in text
        assert token_for(active_link(group)) in text.replace(" ", "")
    (tmp_path / "cards.pdf").write_bytes(response.data)


def test_a_participant_list_over_the_row_limit_adds_nobody(conference):
    from fieldkit.core.uploads import UploadError

    rows = "\n".join(f"Deltaker {n};NAV {n}" for n in range(5001))
    with pytest.raises(UploadError) as refused:
        operations.import_participants(
            conference, "deltakere.csv", f"navn;organisasjon\n{rows}\n".encode()
        )
    assert str(refused.value) == (
        "deltakere.csv: tabellen har mer enn 5000 rader (rad 5002 er én for mye). "
        "Del den opp i mindre filer."
    )
    assert db.session.scalar(db.select(db.func.count(Participant.id))) == 0
