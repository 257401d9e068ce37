"""The edits, on definitions alone: each returns a new, valid definition or refuses."""

import copy
from decimal import Decimal

import pytest

from fieldkit.surveys.editor import edits
from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.questionnaires.definition import Choice, DefinitionError, Item, Row
from tests.paths import FIXTURES

STAFF = FIXTURES / "ansatteskjema_storbysatsingen.yaml"


def names(q):
    return [[item.name for item in section.items] for section in q.sections]


@pytest.fixture
def q():
    """Two sections: q1 (single), q2 (multiple with Annet); q3 shown when q1 = 'ja'."""
    new = edits.blank({"nb": "Skjema"}, {}, ["nb", "en"])
    new = edits.add_item(
        new,
        "s1",
        Item(
            name="q1",
            type="single",
            number="1",
            label={"nb": "Deltar du?", "en": "Do you take part?"},
            choices=[Choice("ja", {"nb": "Ja"}), Choice("nei", {"nb": "Nei"})],
        ),
    )
    new = edits.add_item(
        new,
        "s1",
        Item(
            name="q2",
            type="multiple",
            choices=[Choice("1", {"nb": "Kurs"}), Choice("9", {"nb": "Annet"}, other=True)],
        ),
    )
    new = edits.add_section(new, title={"nb": "Del 2"})
    return edits.add_item(new, "s2", Item(name="q3", type="text", relevant="${q1} = 'ja'"))


def test_blank_questionnaire_has_one_empty_section():
    new = edits.blank({"nb": "Tittel", "nn": "Tittel"}, {"nb": "Velkommen"}, ["nb", "nn"])
    assert definition.to_dict(new) == {
        "format": "fieldkit-questionnaire/1",
        "title": {"nb": "Tittel", "nn": "Tittel"},
        "languages": ["nb", "nn"],
        "instruction": "Velkommen",
        "sections": [{"name": "s1", "questions": []}],
    }


def test_the_edits_leave_their_input_unchanged(q):
    before = definition.dump(q)
    edits.move_item(q, "q1", edits.DOWN)
    edits.delete_item(q, "q3")
    edits.add_section(q)
    assert definition.dump(q) == before


def test_sections_get_free_names_and_move(q):
    assert [s.name for s in q.sections] == ["s1", "s2"]
    more = edits.add_section(q, title={"nb": "Del 3"})
    assert [s.name for s in more.sections] == ["s1", "s2", "s3"]
    moved = edits.move_section(more, "s3", edits.UP)
    assert [s.name for s in moved.sections] == ["s1", "s3", "s2"]
    with pytest.raises(DefinitionError, match="already at the edge"):
        edits.move_section(moved, "s1", edits.UP)


def test_moving_a_section_before_the_question_its_items_depend_on_is_refused(q):
    with pytest.raises(DefinitionError) as caught:
        edits.move_section(q, "s2", edits.UP)
    assert str(caught.value) == (
        "question q3, condition: refers to 'q1', which is not a question before this one"
    )


def test_move_item_within_and_across_sections(q):
    moved = edits.move_item(q, "q2", edits.UP)
    assert names(moved) == [["q2", "q1"], ["q3"]]
    across = edits.move_item(q, "q2", edits.DOWN)
    assert names(across) == [["q1"], ["q2", "q3"]]
    back = edits.move_item(across, "q2", edits.UP)
    assert names(back) == [["q1", "q2"], ["q3"]]
    with pytest.raises(DefinitionError, match="already at the edge"):
        edits.move_item(q, "q3", edits.DOWN)


def test_a_move_putting_a_condition_before_its_question_is_refused(q):
    once = edits.move_item(q, "q3", edits.UP)
    assert names(once) == [["q1", "q2", "q3"], []]
    twice = edits.move_item(once, "q3", edits.UP)
    assert names(twice) == [["q1", "q3", "q2"], []]
    with pytest.raises(DefinitionError, match="refers to 'q1', which is not a question before"):
        edits.move_item(twice, "q3", edits.UP)


def test_deleting_a_question_a_condition_refers_to_is_refused(q):
    with pytest.raises(DefinitionError) as caught:
        edits.delete_item(q, "q1")
    assert caught.value.path == "question q3, condition"
    assert caught.value.item == "q3" and caught.value.field == "relevant"
    assert names(edits.delete_item(q, "q3")) == [["q1", "q2"], []]


def test_deleting_the_last_section_is_refused(q):
    only = edits.delete_section(q, "s2")
    assert [s.name for s in only.sections] == ["s1"]
    with pytest.raises(DefinitionError, match="at least one section"):
        edits.delete_section(only, "s1")


def test_renaming_an_item_carries_the_name_into_conditions(q):
    renamed = edits.update_item(q, "q1", Item(**{**q.item("q1").__dict__, "name": "deltar"}))
    assert renamed.item("q3").relevant == "${deltar} = 'ja'"
    assert renamed.item("q1") is None


def test_a_name_used_twice_is_refused(q):
    with pytest.raises(DefinitionError, match="The name 'q2' is already used"):
        edits.add_item(q, "s1", Item(name="q2", type="text"))
    with pytest.raises(DefinitionError, match="The name 'q2' is already used"):
        edits.update_item(q, "q1", Item(name="q2", type="text"))
    grid = Item(name="q4", type="grid_single", choices=[Choice("1")], rows=[Row("q1"), Row("q4_2")])
    with pytest.raises(DefinitionError, match="the name 'q1' is used twice"):
        edits.add_item(q, "s2", grid)


def test_a_broken_condition_is_refused_with_the_parsers_message(q):
    broken = Item(name="q3", type="text", relevant="${q1} = = 'ja'")
    with pytest.raises(DefinitionError) as caught:
        edits.update_item(q, "q3", broken)
    assert caught.value.path == "question q3, condition"
    assert caught.value.item == "q3"
    later = Item(name="q1", type="single", choices=[Choice("1")], relevant="${q2} != ''")
    with pytest.raises(DefinitionError, match="refers to 'q2', which is not a question before"):
        edits.update_item(q, "q1", later)


def test_a_choice_question_without_choices_is_refused(q):
    with pytest.raises(DefinitionError) as caught:
        edits.add_item(q, "s2", Item(name="q4", type="single"))
    assert str(caught.value) == "question q4, choices: give at least one choice"


def test_shared_choice_lists_are_reused_and_followed(q):
    janei = [Choice("1", {"nb": "Ja"}), Choice("2", {"nb": "Nei"})]
    listed = edits.save_choice_list(q, None, "janei", janei)
    listed = edits.add_item(listed, "s2", Item(name="q4", type="single", choice_list="janei"))
    listed = edits.add_item(
        listed,
        "s2",
        Item(name="q5", type="grid_single", choice_list="janei", rows=[Row("q5_1", {"nb": "A"})]),
    )
    assert [c.code for c in listed.item("q4").choices] == ["1", "2"]
    changed = edits.save_choice_list(
        listed, "janei", "jn", [*janei, Choice("9", {"nb": "Vet ikke"}, nonsubstantive=True)]
    )
    assert list(changed.choice_lists) == ["jn"]
    for name in ("q4", "q5"):
        assert changed.item(name).choice_list == "jn"
        assert [c.code for c in changed.item(name).choices] == ["1", "2", "9"]
        assert changed.item(name).choices[2].nonsubstantive is True
    assert edits.list_users(changed, "jn") == ["q4", "q5"]
    with pytest.raises(DefinitionError, match="used by q4, q5"):
        edits.delete_choice_list(changed, "jn")
    dumped = definition.to_dict(changed)["sections"][1]["questions"]
    assert dumped[1]["options"] == "jn" and dumped[2]["columns"] == "jn"


def test_choice_list_names_and_contents_are_checked(q):
    with pytest.raises(DefinitionError, match="'2x' is not a valid list name"):
        edits.save_choice_list(q, None, "2x", [Choice("1")])
    with pytest.raises(DefinitionError, match="at least one choice"):
        edits.save_choice_list(q, None, "tom", [])
    once = edits.save_choice_list(q, None, "a", [Choice("1")])
    with pytest.raises(DefinitionError, match="already a choice list named 'a'"):
        edits.save_choice_list(once, None, "a", [Choice("1")])
    assert list(edits.delete_choice_list(once, "a").choice_lists) == []


def test_scale_points_keep_the_labels_of_points_already_there():
    existing = [Choice("1", {"nb": "Svært lett"}), Choice("7", {"nb": "Svært vanskelig"})]
    points = edits.scale_choices(1, 7, existing)
    assert [(c.code, c.label) for c in points] == [
        ("1", {"nb": "Svært lett"}),
        ("2", {}),
        ("3", {}),
        ("4", {}),
        ("5", {}),
        ("6", {}),
        ("7", {"nb": "Svært vanskelig"}),
    ]
    with pytest.raises(DefinitionError, match="at most 21 points"):
        edits.scale_choices(5, 5, [])


def test_changing_the_type_drops_settings_the_type_does_not_use():
    item = Item(
        name="q1",
        type="integer",
        choices=[Choice("1")],
        rows=[Row("r")],
        denominator=10,
        minimum=Decimal(0),
        layout="horizontal",
    )
    kept = edits.kept_fields(item)
    assert (kept.choices, kept.rows, kept.denominator, kept.layout) == ([], [], None, "vertical")
    assert kept.minimum == Decimal(0)


def test_every_edit_works_on_the_staff_questionnaire():
    staff = definition.load(STAFF.read_text(encoding="utf-8"))
    first, last = staff.sections[0].items[1].name, staff.sections[-1].items[-1].name
    moved = edits.move_item(staff, first, edits.DOWN)
    assert moved.sections[0].items[2].name == first
    again = edits.move_item(moved, first, edits.UP)
    assert definition.dump(again) == definition.dump(staff)
    assert edits.delete_item(staff, last).item(last) is None


def test_engine_messages_keep_what_they_quote_and_unknown_ones_pass_through(app, q):
    from flask_babel import force_locale

    from fieldkit.surveys.editor import messages

    forward, unfinished = copy.deepcopy(q), copy.deepcopy(q)
    forward.sections[0].items[0].relevant = "${q3} = 'x'"
    unfinished.sections[1].items[0].relevant = "(${a} = 1"
    with app.test_request_context(), force_locale("nn"):
        with pytest.raises(DefinitionError) as refused:
            edits.validated(forward)
        assert refused.value.message == "viser til «q3», som ikkje er eit spørsmål framfor dette"
        with pytest.raises(DefinitionError) as refused:
            edits.validated(unfinished)
        assert refused.value.message == "venta ), men vilkåret sluttar: «(${a} = 1»"
        assert messages.translate("expected a list of choices") == "oppgi minst eitt svaralternativ"
        assert messages.translate("a message the editor does not know") == (
            "a message the editor does not know"
        )


def test_renaming_a_grid_row_carries_the_name_into_conditions(q):
    grid = Item(
        name="q4",
        type="grid_single",
        choices=[Choice("1"), Choice("2")],
        rows=[Row("q4_1", {"nb": "Kurs"}), Row("q4_2", {"nb": "Praksis"})],
    )
    new = edits.add_item(q, "s2", grid)
    new = edits.add_item(new, "s2", Item(name="q5", type="text", relevant="${q4_2} = '1'"))
    renamed = copy.deepcopy(new.item("q4"))
    renamed.rows[1].name = "q4_praksis"
    changed = edits.update_item(new, "q4", renamed)
    assert changed.item("q5").relevant == "${q4_praksis} = '1'"


def test_a_condition_on_a_code_the_question_does_not_have_is_refused(q):
    with pytest.raises(DefinitionError) as caught:
        edits.update_item(q, "q3", Item(name="q3", type="text", relevant="${q1} = 'kanskje'"))
    assert str(caught.value) == (
        "question q3, condition: compares q1 with 'kanskje', which is not one of its codes "
        "(ja, nei)"
    )
    with pytest.raises(DefinitionError, match="compares q2 with '3'"):
        edits.update_item(q, "q3", Item(name="q3", type="text", relevant="selected(${q2}, '3')"))
    # Removing the code a later condition relies on is refused too.
    changed = copy.deepcopy(q.item("q1"))
    del changed.choices[0]
    with pytest.raises(DefinitionError, match="compares q1 with 'ja', which is not one"):
        edits.update_item(q, "q1", changed)
    fine = Item(name="q3", type="text", relevant="selected(${q2}, '9') and ${q1} != ''")
    assert edits.update_item(q, "q3", fine).item("q3").relevant == fine.relevant


def test_recoding_choices_in_place_carries_into_conditions(q):
    both = edits.update_item(
        q, "q3", Item(name="q3", type="text", relevant="${q1} = 'ja' or ${q1} != \"nei\"")
    )
    recoded = copy.deepcopy(both.item("q1"))
    recoded.choices[0].code, recoded.choices[1].code = "1", "2"
    changed = edits.update_item(both, "q1", recoded)
    assert changed.item("q3").relevant == "${q1} = '1' or ${q1} != \"2\""
    # Swapping two codes is a reordering, not a renaming: the conditions stay as they were.
    swapped = copy.deepcopy(both.item("q1"))
    swapped.choices[0].code, swapped.choices[1].code = "nei", "ja"
    assert edits.update_item(both, "q1", swapped).item("q3").relevant == both.item("q3").relevant


def test_recoding_a_shared_list_carries_into_the_conditions_of_every_user(q):
    listed = edits.save_choice_list(q, None, "janei", [Choice("j"), Choice("n")])
    listed = edits.add_item(listed, "s2", Item(name="q4", type="single", choice_list="janei"))
    listed = edits.add_item(
        listed,
        "s2",
        Item(name="q5", type="grid_multiple", choice_list="janei", rows=[Row("q5_a"), Row("q5_b")]),
    )
    listed = edits.add_item(
        listed,
        "s2",
        Item(name="q6", type="text", relevant="${q4} = 'n' and selected(${q5_b}, 'j')"),
    )
    changed = edits.save_choice_list(listed, "janei", "janei", [Choice("1"), Choice("2")])
    assert changed.item("q6").relevant == "${q4} = '2' and selected(${q5_b}, '1')"
