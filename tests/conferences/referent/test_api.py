"""The referent's tablet API: versioned saves, conflicts kept, retries applied once, hand-in."""

import hashlib
import hmac
import io

from PIL import Image

from fieldkit.conferences.models import Point, PointConflict
from fieldkit.conferences.setup import links, operations
from fieldkit.core.models import RateLimitHit
from fieldkit.extensions import db


def ops(client, group, *batch):
    response = client.post(f"/g/{group.id}/api/ops", json={"ops": list(batch)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_link_opens_only_its_group_and_stops_when_revoked(client, conference, group):
    other = operations.add_group(conference.rounds[0])
    db.session.commit()
    assert client.get(f"/g/{group.id}").status_code == 403
    assert client.get("/g?t=made-up").status_code == 404
    token = links.token_for(links.active_link(group))
    response = client.get(f"/g?t={token}")
    assert response.headers["Location"] == f"/g/{group.id}"
    assert client.get(f"/g/{group.id}").status_code == 200
    assert client.get(f"/g/{other.id}").status_code == 403
    assert client.get(f"/g/{other.id}/api/state").status_code == 403

    links.renew_link(group)
    db.session.commit()
    assert client.get(f"/g/{group.id}").status_code == 403
    assert client.get(f"/g?t={token}").status_code == 404
    new_token = links.token_for(links.active_link(group))
    assert new_token != token
    assert client.get(f"/g?t={new_token}").status_code == 302


def test_link_guessing_is_rate_limited(client, group):
    token = links.token_for(links.active_link(group))
    for _ in range(20):
        assert client.get("/g?t=" + "B" * 43).status_code == 404
    assert db.session.scalar(db.select(db.func.count(RateLimitHit.id))) == 20
    # Further failures are refused for a while (and not counted)...
    refused = client.get("/g?t=" + "C" * 43)
    assert refused.status_code == 429
    assert "Vent noen minutter" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(RateLimitHit.id))) == 20
    assert client.get(f"/g/{group.id}").status_code == 403  # nothing was remembered
    # ...but a working link is looked up first and never refused.
    assert client.get(f"/g?t={token}").status_code == 302
    assert client.get(f"/g/{group.id}").status_code == 200


def test_tokens_are_stored_only_as_keyed_hashes(app, conference, group):
    link = links.active_link(group)
    token = links.token_for(link)
    assert len(token) == 43
    assert token not in (link.salt, link.token_hash)
    assert links.link_for_token(token) == link
    # Keyed: HMAC-SHA-256 under the secret key, not a plain hash anyone can recompute.
    secret = app.config["SECRET_KEY"].encode()
    keyed = hmac.new(secret, b"referent-token:" + token.encode(), hashlib.sha256).hexdigest()
    assert link.token_hash == keyed
    assert link.token_hash != hashlib.sha256(token.encode()).hexdigest()
    # With another installation's key the stored hash matches no token, not even this one.
    app.config["SECRET_KEY"] = "another installation's secret key, just as long as ours"
    assert links.link_for_token(token) is None


def test_points_create_edit_reorder_merge_delete_restore(referent, group):
    task = group.round.tasks[0]
    data = ops(
        referent,
        group,
        {"id": 1, "op": "create", "key": "k-aaaaaaaa", "task_id": task.id, "text": "Første"},
        {"id": 2, "op": "create", "key": "k-bbbbbbbb", "task_id": task.id, "text": "Andre"},
        {"id": 3, "op": "create", "key": "k-cccccccc", "task_id": task.id, "text": "Tredje"},
    )
    assert [r["ok"] for r in data["results"]] == [True, True, True]
    data = ops(
        referent,
        group,
        {"id": 4, "op": "update", "key": "k-aaaaaaaa", "base_version": 1, "text": "Først"},
        {"id": 5, "op": "move", "key": "k-cccccccc", "index": 0},
        {
            "id": 6,
            "op": "merge",
            "key": "k-aaaaaaaa",
            "source": "k-bbbbbbbb",
            "base_version": 2,
            "source_version": 1,
        },
        {"id": 7, "op": "update", "key": "k-cccccccc", "base_version": 1, "for_plenum": True},
    )
    assert [r["ok"] for r in data["results"]] == [True, True, True, True]
    live = [p for p in data["state"]["points"] if not p["deleted"]]
    assert [(p["text"], p["version"], p["for_plenum"]) for p in live] == [
        ("Tredje", 2, True),
        ("Først / Andre", 3, False),
    ]
    merged = db.session.query(Point).filter_by(key="k-aaaaaaaa").one()
    assert merged.original_text == "Første"
    data = ops(referent, group, {"id": 8, "op": "delete", "key": "k-cccccccc"})
    assert [p["text"] for p in data["state"]["points"] if not p["deleted"]] == ["Først / Andre"]
    data = ops(referent, group, {"id": 9, "op": "restore", "key": "k-cccccccc"})
    assert [p["text"] for p in data["state"]["points"] if not p["deleted"]] == [
        "Tredje",
        "Først / Andre",
    ]


def test_a_create_sent_twice_is_applied_once(referent, group):
    op = {"op": "create", "key": "retry-123", "task_id": group.round.tasks[0].id, "text": "X"}
    ops(referent, group, op)
    data = ops(referent, group, op)
    assert [p["text"] for p in data["state"]["points"]] == ["X"]


def test_a_stale_edit_is_kept_as_a_conflict_not_applied(referent, group):
    task = group.round.tasks[0]
    ops(referent, group, {"op": "create", "key": "shared-1", "task_id": task.id, "text": "Start"})
    # Tablet A edits first; tablet B edits the same version afterwards.
    a = ops(referent, group, {"op": "update", "key": "shared-1", "base_version": 1, "text": "A"})
    assert a["results"][0]["ok"] is True
    b = ops(referent, group, {"op": "update", "key": "shared-1", "base_version": 1, "text": "B"})
    result = b["results"][0]
    assert (result["ok"], result["error"]) == (False, "conflict")
    point = b["state"]["points"][0]
    assert point["text"] == "A" and point["version"] == 2
    assert [c["text"] for c in point["conflicts"]] == ["B"]
    # The same edit sent again (its answer was lost) is not a new conflict.
    again = ops(
        referent, group, {"op": "update", "key": "shared-1", "base_version": 1, "text": "A"}
    )
    assert again["results"][0]["ok"] is True
    conflict_id = point["conflicts"][0]["id"]
    data = ops(
        referent,
        group,
        {"op": "resolve", "key": "shared-1", "conflict_id": conflict_id, "use": True},
    )
    point = data["state"]["points"][0]
    assert (point["text"], point["version"], point["conflicts"]) == ("B", 3, [])
    assert db.session.query(PointConflict).one().resolved_at is not None


def test_minutes_are_versioned_and_a_stale_text_is_kept(referent, group):
    data = ops(referent, group, {"op": "minutes", "text": "Referat 1", "base_version": 0})
    assert data["state"]["group"]["minutes_version"] == 1
    data = ops(referent, group, {"op": "minutes", "text": "Annet", "base_version": 0})
    result = data["results"][0]
    assert (result["error"], result["minutes"]) == ("conflict", "Referat 1")
    state = data["state"]["group"]
    assert (state["minutes"], state["minutes_conflict"]) == ("Referat 1", "Annet")
    data = ops(referent, group, {"op": "resolve_minutes", "use": True})
    state = data["state"]["group"]
    assert (state["minutes"], state["minutes_version"], state["minutes_conflict"]) == (
        "Annet",
        2,
        None,
    )


def test_bad_operations_are_refused_with_a_reason(referent, group):
    data = ops(
        referent,
        group,
        {"id": 1, "op": "create", "key": "short", "task_id": group.round.tasks[0].id, "text": "x"},
        {"id": 2, "op": "create", "key": "long-enough", "task_id": 999999, "text": "x"},
        {"id": 3, "op": "explode"},
        {"id": 4, "op": "update", "key": "nope-nope", "base_version": 1, "text": "x"},
    )
    assert [(r["id"], r["error"]) for r in data["results"]] == [
        (1, "invalid"),
        (2, "invalid"),
        (3, "invalid"),
        (4, "not_found"),
    ]
    assert data["state"]["points"] == []
    assert referent.post(f"/g/{group.id}/api/ops", data="x").status_code == 400


def test_hand_in_locks_points_until_a_facilitator_reopens(referent, group, facilitator, login):
    task = group.round.tasks[0]
    ops(referent, group, {"op": "create", "key": "p-1-aaaa", "task_id": task.id, "text": "Ja"})
    assert referent.post(f"/g/{group.id}/api/hand-in").get_json()["ok"] is True
    assert referent.post(f"/g/{group.id}/api/hand-in").status_code == 409
    data = ops(
        referent, group, {"op": "update", "key": "p-1-aaaa", "base_version": 1, "text": "Nei"}
    )
    assert data["results"][0]["error"] == "locked"
    assert data["state"]["group"]["state"] == "handed_in"
    login(facilitator)
    conference = group.round.conference
    response = referent.post(
        f"/p/{conference.project.slug}/conferences/{conference.id}/groups/{group.id}/reopen"
    )
    assert response.status_code == 302
    data = ops(
        referent, group, {"op": "update", "key": "p-1-aaaa", "base_version": 1, "text": "Nei"}
    )
    assert data["results"][0]["ok"] is True


def _image(fmt: str, size=(3000, 1500), exif_orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    kwargs = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_photos_are_checked_turned_resized_and_served_only_to_the_group(
    referent, group, conference, app
):
    response = referent.post(
        f"/g/{group.id}/api/photos",
        data={"photo": (io.BytesIO(_image("JPEG", exif_orientation=6)), "tavle.jpg")},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    photo = group.photos[0]
    # Orientation 6 means "turn 90°": the 3000×1500 picture stands upright, long edge 2000.
    assert (photo.width, photo.height) == (1000, 2000)
    served = referent.get(f"/g/{group.id}/photos/{photo.id}/thumb")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).size == (200, 400)
    assert photo.stem not in response.get_data(as_text=True)

    fake = referent.post(
        f"/g/{group.id}/api/photos",
        data={"photo": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "x.jpg")},
    )
    assert fake.status_code == 422
    assert "ikke et bilde" in fake.get_json()["message"]
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert (
        referent.post(
            f"/g/{group.id}/api/photos", data={"photo": (io.BytesIO(gif.getvalue()), "x.png")}
        ).status_code
        == 422
    )
    assert len(group.photos) == 1

    other = operations.add_group(conference.rounds[0])
    db.session.commit()
    assert referent.get(f"/g/{other.id}/photos/{photo.id}/thumb").status_code == 403


def test_a_heic_photo_without_pillow_heif_gets_its_own_message(referent, group, monkeypatch):
    """pillow-heif is an optional extra (``fieldkit[heif]``); without it an iPad's HEIC photo
    is refused as HEIC, not as "not a photo", and nothing is stored."""
    from fieldkit.conferences.referent import photos

    monkeypatch.setattr(photos, "accepted_formats", lambda: frozenset({"JPEG", "PNG", "WEBP"}))
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    response = referent.post(
        f"/g/{group.id}/api/photos", data={"photo": (io.BytesIO(heic), "IMG_0001.HEIC")}
    )
    assert response.status_code == 422
    message = response.get_json()["message"]
    assert message.startswith("HEIC-bilder (iPhone, iPad) kan ikke leses på denne serveren.")
    assert group.photos == []


def test_roles_and_phase_are_saved(referent, group):
    data = ops(
        referent,
        group,
        {"op": "roles", "referent": "valgt", "chair": ""},
        {"op": "phase", "phase": "structuring"},
        {"op": "phase", "phase": "voting"},
    )
    assert [r["ok"] for r in data["results"]] == [True, True, False]
    state = data["state"]["group"]
    assert (state["referent"], state["chair"], state["phase"]) == ("valgt", "", "structuring")


def test_facilitator_photo_route_is_for_members_only(
    referent, group, conference, client, login, make_user, facilitator
):
    response = referent.post(
        f"/g/{group.id}/api/photos", data={"photo": (io.BytesIO(_image("PNG")), "a.png")}
    )
    photo_id = response.get_json()["id"]
    url = f"/p/{conference.project.slug}/conferences/{conference.id}/photos/{photo_id}/print"
    login(make_user("utenfor@example.no"))
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(facilitator)
    served = client.get(url)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.data)).size == (2000, 1000)
    assert served.headers["Cache-Control"] == "private, no-store"


def test_control_characters_in_points_and_minutes_are_normalised_not_refused(referent, group):
    """A Word line break (vertical tab), CRLF and NUL pasted into a point on a tablet: the
    point is kept with line breaks as newlines and NUL left out (PostgreSQL refuses it)."""
    task = group.round.tasks[0]
    typed = "Første\x0blinje\r\nandre\x00 linje\x0c\x07slutt"
    kept = "Første\nlinje\nandre linje\nslutt"
    data = ops(
        referent,
        group,
        {"op": "create", "key": "k-ctrl0001", "task_id": task.id, "text": typed},
        {"op": "minutes", "text": "Referat\x00\x0b1", "base_version": 0},
        {"op": "roles", "referent": "Kari\x00", "chair": "Ola\r\nNordmann"},
    )
    assert [r["ok"] for r in data["results"]] == [True, True, True]
    point = db.session.query(Point).filter_by(key="k-ctrl0001").one()
    assert (point.text, point.original_text) == (kept, kept)
    data = ops(
        referent,
        group,
        {"op": "update", "key": "k-ctrl0001", "base_version": 1, "text": "Ny\x0btekst\x00"},
    )
    assert data["results"][0]["ok"] is True
    db.session.refresh(point)
    assert point.text == "Ny\ntekst"
    db.session.refresh(group)
    assert group.minutes == "Referat\n1"
    assert (group.referent_label, group.chair_label) == ("Kari", "Ola\nNordmann")


def test_malformed_ops_are_answered_invalid_one_by_one_and_change_nothing(referent, group):
    task = group.round.tasks[0]
    created = ops(
        referent,
        group,
        {"id": 1, "op": "create", "key": "k-aaaaaaaa", "task_id": task.id, "text": "Første"},
    )
    assert created["results"][0]["ok"] is True
    data = ops(
        referent,
        group,
        {"id": 2, "op": []},
        {"id": 3, "op": {"create": 1}},
        {"id": 4, "op": "create", "key": "k-bbbbbbbb", "task_id": [task.id], "text": "To"},
        {"id": 5, "op": "create", "key": "k-cccccccc", "task_id": {"id": 1}, "text": "Tre"},
        {"id": 6, "op": "resolve", "key": "k-aaaaaaaa", "conflict_id": "abc"},
        {"id": 7, "op": "resolve", "key": "k-aaaaaaaa", "conflict_id": [1]},
        {"id": 8, "op": "update", "key": "k-aaaaaaaa", "base_version": 10**20, "text": "Ny"},
        {"id": 9, "op": "minutes", "text": "Referat", "base_version": 2**40},
        {"id": 10, "op": "update", "key": ["k-aaaaaaaa"], "base_version": 1, "text": "Ny"},
        {"id": 11, "op": "phase", "phase": ["work"]},
        ["not", "an", "operation"],
    )
    assert [(r["id"], r["ok"], r["error"]) for r in data["results"]] == [
        (2, False, "invalid"),
        (3, False, "invalid"),
        (4, False, "invalid"),
        (5, False, "invalid"),
        (6, False, "not_found"),
        (7, False, "not_found"),
        (8, False, "invalid"),
        (9, False, "invalid"),
        (10, False, "invalid"),
        (11, False, "invalid"),
        (None, False, "invalid"),
    ]
    points = db.session.scalars(db.select(Point).where(Point.group_id == group.id)).all()
    assert [(p.key, p.text, p.version) for p in points] == [("k-aaaaaaaa", "Første", 1)]
    assert data["state"]["group"]["minutes"] == ""


def test_a_batch_too_long_or_not_json_as_we_read_it_is_refused_whole(referent, group):
    task = group.round.tasks[0]
    batch = [
        {"id": n, "op": "create", "key": f"k-{n:08d}", "task_id": task.id, "text": f"Punkt {n}"}
        for n in range(501)
    ]
    response = referent.post(f"/g/{group.id}/api/ops", json={"ops": batch})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid",
        "message": "at most 500 operations at a time",
    }
    assert db.session.scalar(db.select(db.func.count(Point.id))) == 0  # not the first 500 either

    deep = '{"ops": ' + "[" * 5000 + "]" * 5000 + "}"
    response = referent.post(f"/g/{group.id}/api/ops", data=deep, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == "expected a JSON object"
    # Deep, but not so deep that the json module gives up: still refused, by our bound.
    nested = {"id": 1, "op": "create", "key": "k-dddddddd", "task_id": task.id, "text": "x"}
    for _ in range(100):
        nested = {"id": nested}
    response = referent.post(f"/g/{group.id}/api/ops", json={"ops": [nested]})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Point.id))) == 0


def test_a_photo_over_the_pixel_budget_is_refused_from_its_header(
    referent, group, app, monkeypatch
):
    """233 KB of PNG, 7745×7745 pixels: 1.1 GB once decoded and copied. Refused before any
    pixel is decoded, and nothing is stored."""
    from PIL import PngImagePlugin

    def no_decoding(self):
        raise AssertionError("the photo's pixels must not be decoded")

    buffer = io.BytesIO()
    Image.new("1", (7745, 7745)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 1024 * 1024
    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_decoding)
    response = referent.post(
        f"/g/{group.id}/api/photos", data={"photo": (io.BytesIO(buffer.getvalue()), "tavle.png")}
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        "Bildet har 60 megapiksler; høyst 40 godtas. Ta det med lavere oppløsning, "
        "eller ta et skjermbilde av det."
    )
    assert group.photos == []
    from fieldkit.conferences.referent import photos

    assert list(photos.folder().iterdir()) == []


def test_a_large_jpeg_is_decoded_reduced(referent, group, monkeypatch):
    """A 24 MP JPEG is decoded at half scale (the decoder's own 1/2), never at full size."""
    from PIL import JpegImagePlugin

    decoded = []
    load = JpegImagePlugin.JpegImageFile.load

    def recording_load(self):
        result = load(self)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", recording_load)
    response = referent.post(
        f"/g/{group.id}/api/photos",
        data={"photo": (io.BytesIO(_image("JPEG", size=(6000, 4000))), "tavle.jpg")},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert decoded[0] == (3000, 2000)  # the first (and only) decoding of the file
    assert max(decoded) == (3000, 2000)
    photo = group.photos[0]
    assert (photo.width, photo.height) == (2000, 1333)


def test_a_large_png_with_transparency_is_reduced_in_strips_and_stands_upright(referent, group):
    image = Image.new("RGBA", (4500, 3000), (200, 30, 30, 0))
    image.paste((20, 20, 200, 255), (0, 0, 4500, 1500))  # top half blue, bottom transparent
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif)
    response = referent.post(
        f"/g/{group.id}/api/photos", data={"photo": (io.BytesIO(buffer.getvalue()), "t.png")}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    photo = group.photos[0]
    assert (photo.width, photo.height) == (1333, 2000)
    served = referent.get(f"/g/{group.id}/photos/{photo.id}/print")
    printed = Image.open(io.BytesIO(served.data))
    # Turned 90° clockwise: the blue top is now on the right, the transparent part white.
    assert printed.getpixel((1200, 1000))[2] > 150
    assert printed.getpixel((100, 1000)) >= (250, 250, 250)
