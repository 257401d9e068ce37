"""Hostile input everywhere: every form the staff side offers, every upload, the respondent's
pages and the referent's tablet API, driven with generated text and files (hypothesis).

The forms are found the way a user finds them: by following the links from the front page as an
administrator of the demo project. Each answer must be below 500, a refused submission (anything
but a redirect) must leave every table as it was, and what was accepted must export afterwards.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import deque
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.conferences.models import Group
from fieldkit.conferences.setup import links as referent_links
from fieldkit.core import demo
from fieldkit.core.models import Role
from fieldkit.extensions import db
from fieldkit.surveys.models import Case, Response, Survey
from fieldkit.surveys.respond import links as respond_links
from fieldkit.surveys.results import exports
from tests.conftest import PASSWORD

#: Strings that broke or could break something: controls, formulas, markup, huge, odd Unicode.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "line\x0bbreak",
    "form\x0cfeed",
    "\r\n\r\n",
    "\x1b[31mred",
    '=HYPERLINK("http://evil.example","klikk")',
    "+47 22 00 00 00",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE cases; --",
    "{{ 7*7 }}",
    "%s%s%n",
    "\u202eevil\u202c",
    "\ud7ff\ufeff\ufffe",
    "Ærlig talt, søknad på nynorsk: «ikkje»",
    "🙂" * 50,
    "x" * 5000,
    "y" * 300_000,
    "title\nwith\nlines",
    "../../etc/passwd",
]

#: Characters hypothesis mixes into generated text: every C0 control, and then some.
ALPHABET = st.characters(
    codec="utf-8", categories=("Cc", "Lu", "Ll", "Nd", "P", "S", "Zs", "Cf")
) | st.sampled_from("\x00\x0b\x0c\r\n\t=+-@\u2028")


class Text(str):
    """Generated text, shown shortened in failure reports."""

    def __repr__(self) -> str:
        text = str(self)
        return repr(text) if len(text) <= 60 else f"{text[:40]!r}... ({len(text)} characters)"


TEXT = st.one_of(st.sampled_from(NASTY), st.text(ALPHABET, max_size=200)).map(Text)


def _xlsx(rows: list[list[str]], doctype: bool = False) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if not doctype:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"?>",
                    b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>',
                    1,
                )
            target.writestr(item, data)
    return out.getvalue()


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


class Upload(tuple):
    """A file to upload: (name, bytes), shown by its name and size in failure reports."""

    def __repr__(self) -> str:
        return f"Upload({self[0]!r}, {len(self[1])} bytes, starts {self[1][:24]!r})"


def _hostile_files() -> list[Upload]:
    nested = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 60)) + "[" * 2000
    files = [
        ("empty.csv", b""),
        ("junk.xlsx", bytes(range(256)) * 40),
        ("frame.csv", "nr;navn;e-post\n1;=cmd|' /C calc'!A0;a@b.no\n".encode("utf-16")),
        ("frame.csv", b"nr;navn\n1;" + b"x" * 200_000 + b"\n"),
        ("frame.csv", b"nr;navn\n" + b"\x00\x0b;\xff\xfe\n" * 3),
        ("frame.xlsx", _xlsx([["nr", "navn"], ["1", "=1+1"]], doctype=True)),
        ("frame.xlsx", _xlsx([["nr", "navn"], ["1", "z" * 40_000]])),
        ("skjema.yaml", nested.encode()),
        ("skjema.yaml", b"&a [*a, *a]\n"),
        ("skjema.yaml", b"!!python/object/apply:os.system ['true']\n"),
        ("skjema.json", b"[" * 100_000),
        ("bilde.png", _png(9000, 9000)),
        ("bilde.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100),
    ]
    return [Upload(file) for file in files]


FILES = st.sampled_from(_hostile_files())

#: Tables whose rows a refused request may add: rate-limit counters, the audit trail, and the
#: record of a background job that read a file and reported why it was refused (with a worker,
#: that record is how the refusal reaches the page).
BOOKKEEPING = {"rate_limit_hits", "audit_events", "jobs"}


def _counts() -> dict[str, int]:
    db.session.rollback()
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name not in BOOKKEEPING:
            counts[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table))
    return counts


#: Links the crawl does not follow: leaving, files, and the respondents' and tablets' links.
SKIP = re.compile(r"^/(logout|static/|s/|o/|r/|r\?|n/|g\b|d/|healthz)|/download|\.(pdf|png|zip)")
#: Forms that end the crawl's world (the session, the demo project): tried last.
LAST = re.compile(r"logout|delete|slett|erase|remove|fjern|revoke|archive|close|avslutt")


def _shape(path: str) -> str:
    """A path with every segment that holds a digit (an id, a file name) as N."""
    return "/".join("N" if re.search(r"\d", part) else part for part in path.split("/"))


def _crawl(client, start: str, limit: int = 300) -> list[dict]:
    """Every distinct POST form on the pages reachable from ``start``; at most three pages of
    one shape (``/cases/N``) are visited."""
    seen_pages, forms, seen_forms, shapes = {start}, [], set(), {}
    queue = deque([start])
    fetched = 0
    while queue and fetched < limit:
        url = queue.popleft()
        fetched += 1
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = lxml.html.fromstring(response.get_data(as_text=True), base_url=url)
        for href in page.xpath("//a/@href"):
            target = urlsplit(urljoin(url, href))
            if target.netloc not in ("", "localhost", "fieldkit.test"):
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            shape = _shape(target.path)
            if SKIP.search(path) or path in seen_pages or shapes.get(shape, 0) >= 3:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen_pages.add(path)
            queue.append(path)
        for form in page.forms:
            if (form.method or "GET").upper() != "POST":
                continue
            action = urlsplit(urljoin(url, form.action or url)).path
            fields = []
            for element in form.inputs:
                name = element.get("name")
                if not name or name == "csrf_token":
                    continue
                kind = (element.get("type") or element.tag).lower()
                options = [o.get("value", o.text or "") for o in element.xpath(".//option")]
                fields.append((name, kind, element.get("value") or "", options))
            key = (_shape(action), tuple(sorted(f[0] for f in fields)))
            if key not in seen_forms:
                seen_forms.add(key)
                forms.append({"page": url, "action": action, "fields": fields})
    forms.sort(key=lambda f: bool(LAST.search(f["action"])))
    return forms


def _fill(draw, fields) -> dict:
    data: dict = {}
    for name, kind, value, options in fields:
        if kind in ("submit", "button", "hidden", "image", "reset"):
            if value:
                data.setdefault(name, value)
            continue
        if kind == "file":
            filename, content = draw(FILES)
            data[name] = (io.BytesIO(content), filename)
        elif kind in ("select", "radio") and options:
            data[name] = draw(st.sampled_from(options) | TEXT)
        elif kind == "checkbox":
            if draw(st.booleans()):
                data[name] = value or "y"
        else:
            data[name] = draw(TEXT)
    return data


@pytest.fixture
def world(app, client, make_user):
    """The demo project, and its administrator logged in."""
    demo.load_demo()
    admin = make_user("admin@example.no", "Ada Admin", role=Role.ADMIN)
    db.session.commit()
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    return admin


FUZZ = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def test_every_staff_form_refuses_hostile_input_cleanly(app, client, world):
    forms = _crawl(client, "/")
    actions = {f["action"] for f in forms}
    # The crawl reaches the forms that take files and free text on both sides of the app.
    assert any("frame" in a or "cases" in a for a in actions), sorted(actions)
    assert any("questionnaires" in a for a in actions), sorted(actions)
    assert any("conferences" in a for a in actions), sorted(actions)
    assert len(forms) >= 25, sorted(actions)

    failures = []
    for form in forms:
        if "logout" in form["action"]:
            continue
        try:
            _fuzz_form(client, form)
        except Exception as exc:  # noqa: BLE001 - every form's failure is reported together
            db.session.rollback()
            failures.append(f"{form['action']}: {type(exc).__name__}: {str(exc)[:300]}")
    assert not failures, "\n".join(failures)

    # What the forms accepted still exports, in every format.
    for survey in db.session.scalars(sa.select(Survey)):
        for fmt in exports.FORMATS:
            path = app.instance_path + f"/export-{survey.id}-{fmt}"
            exports.export(survey, fmt, path)


def _post_refused_cleanly(client, action: str, payload: dict) -> None:
    """Post ``payload``: no server error, and a refusal changes no table."""
    before = _counts()
    response = client.post(action, data=payload, content_type="multipart/form-data")
    assert response.status_code < 500, (action, sorted(payload))
    if response.status_code not in (301, 302, 303):
        after = _counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, (action, response.status_code, changed)


def _fuzz_form(client, form: dict) -> None:
    files = [name for name, kind, _, _ in form["fields"] if kind == "file"]
    for upload in _hostile_files() if files else ():
        # Every hostile file, once, beside plain values in the other fields.
        payload = {name: value or "x" for name, kind, value, _ in form["fields"] if kind != "file"}
        payload.update({name: (io.BytesIO(upload[1]), upload[0]) for name in files})
        _post_refused_cleanly(client, form["action"], payload)

    @FUZZ
    @given(st.data())
    def submit(data):
        _post_refused_cleanly(client, form["action"], _fill(data.draw, form["fields"]))

    submit()


@pytest.fixture
def respondent(client, world):
    """A respondent of the demo's launched survey, on the first page."""
    client.post("/logout")
    case = db.session.scalar(
        sa.select(Case)
        .where(Case.email.is_not(None), ~sa.exists().where(Response.case_id == Case.id))
        .limit(1)
    )
    response = client.get(f"/s/{respond_links.personal_token(case)}")
    assert response.status_code == 302
    assert client.get("/svar").status_code == 200
    return case


def test_respondent_pages_keep_hostile_answers_as_clean_text(app, client, respondent):
    start = client.post("/svar/start")
    assert start.status_code == 302, start.get_data(as_text=True)[-2000:]
    survey = db.session.get(Survey, respondent.survey_id)
    for section in survey.definition.sections:
        page_url = f"/svar/side/{section.name}"
        page = lxml.html.fromstring(client.get(page_url).get_data(as_text=True))
        fields = [
            (el.get("name"), (el.get("type") or el.tag).lower(), el.get("value") or "", [])
            for el in page.xpath("//form//input|//form//textarea")
            if el.get("name") and el.get("name") != "csrf_token"
        ]
        _fuzz_page(client, page_url, section.name, fields)

    stored = db.session.scalar(sa.select(Response).where(Response.case_id == respondent.id))
    texts = [v for v in stored.answers.values() if isinstance(v, str)]
    assert texts, stored.answers  # free text was kept
    for value in texts:
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", value), repr(value)
    for fmt in exports.FORMATS:
        exports.export(survey, fmt, app.instance_path + f"/answers-{fmt}")


def _fuzz_page(client, page_url: str, section: str, fields: list) -> None:
    @FUZZ
    @given(st.data())
    def answer(data):
        payload = _fill(data.draw, fields)
        saved = client.post("/svar/autosave", data={**payload, "_section": section})
        assert saved.status_code < 500, saved.status_code
        shown = client.post(page_url, data={**payload, "action": "stay"})
        assert shown.status_code < 500, shown.status_code

    answer()


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
OP_KINDS = st.sampled_from(
    [
        "create",
        "update",
        "delete",
        "restore",
        "move",
        "merge",
        "resolve",
        "phase",
        "minutes",
        "resolve_minutes",
        "roles",
        "bogus",
    ]
)


def test_referent_tablet_api_answers_hostile_operations_without_failing(app, client, world):
    client.post("/logout")
    group = db.session.scalars(sa.select(Group)).first()
    token = referent_links.token_for(referent_links.card_link(group))
    db.session.commit()
    assert client.get(f"/g?t={token}").status_code == 302
    task_ids = [t.id for t in group.round.tasks]

    op = st.fixed_dictionaries(
        {"op": OP_KINDS},
        optional={
            "id": JSON_LEAF,
            "key": st.one_of(st.text(max_size=40), JSON_LEAF),
            "task_id": st.one_of(st.sampled_from(task_ids), JSON_LEAF),
            "text": st.one_of(TEXT, JSON),
            "justification": st.one_of(TEXT, JSON),
            "base_version": st.one_of(st.integers(-2, 5), JSON_LEAF),
            "index": st.one_of(st.integers(-5, 50), JSON_LEAF),
            "minutes": st.one_of(TEXT, JSON),
            "phase": st.one_of(st.sampled_from(["work", "present"]), JSON_LEAF),
            "referent": TEXT,
            "chair": TEXT,
        },
    )
    bodies = st.one_of(
        st.fixed_dictionaries({"ops": st.lists(op, max_size=6)}),
        JSON,
        st.binary(max_size=200),
        st.just(b"[" * 50_000),
    )

    @settings(FUZZ, max_examples=60)
    @given(bodies)
    def send(body):
        raw = body if isinstance(body, bytes) else json.dumps(body, allow_nan=True)
        response = client.post(f"/g/{group.id}/api/ops", data=raw, content_type="application/json")
        assert response.status_code in (200, 400), (response.status_code, raw[:200])

    send()

    # What the tablet's accepted operations stored still exports.
    from fieldkit.conferences.synthesis import export as points_export

    project = group.round.conference.project
    points_export.export_csv(project)
    points_export.export_xlsx(project)


def test_referent_photo_upload_refuses_hostile_files(app, client, world):
    client.post("/logout")
    group = db.session.scalars(sa.select(Group)).first()
    token = referent_links.token_for(referent_links.card_link(group))
    db.session.commit()
    assert client.get(f"/g?t={token}").status_code == 302
    for filename, content in _hostile_files():
        before = _counts()
        response = client.post(
            f"/g/{group.id}/api/photos",
            data={"photo": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
        )
        assert response.status_code in (400, 413, 422), (filename, response.status_code)
        assert _counts() == before, filename
