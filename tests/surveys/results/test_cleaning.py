"""Cleaning steps: derived variables, filters and bands, applied alike everywhere, undoable."""

import pyreadstat
import pytest

from fieldkit.extensions import db
from fieldkit.surveys.results import cleaning, cleaning_steps, dataset, exports, tables
from fieldkit.surveys.results.cleaning_steps import BAND, CODE, FILTER, RECODE, CleaningError
from fieldkit.surveys.results.tables import Options

BOTH = "selected(${q8}, 'moter') and selected(${q8}, 'team')"


@pytest.fixture
def survey(make_survey, answer):
    survey = make_survey()
    for q8, q12, q4 in [
        (["moter", "team"], "1", 5),
        (["moter", "team"], "1", 15),
        (["moter"], "1", 60),
        (["team"], "2", 12),
        (["plan"], "2", 80),
        (["moter", "team", "plan"], "2", None),
    ]:
        answers = {"q8": q8, "q12": q12, **({"q4": q4} if q4 is not None else {})}
        answer(survey, answers)
    return survey


def recode(survey):
    return cleaning.add_step(
        survey,
        RECODE,
        {
            "name": "samarbeid",
            "label": "Samarbeidsform",
            "rules": [
                {"condition": BOTH, "code": "3", "label": "Både møter og team"},
                {"condition": "selected(${q8}, 'moter')", "code": "1", "label": "Bare møter"},
                {"condition": "selected(${q8}, 'team')", "code": "2", "label": "Bare team"},
            ],
        },
    )


def table(survey, name, **kw):
    q = cleaning_steps.active_steps(survey).questionnaire()
    return tables.table_for(q, name, dataset.records(survey), Options(**kw))


def test_recode_derives_a_variable_for_tables_and_exports(survey, tmp_path):
    recode(survey)
    db.session.commit()
    # Both: 3 of the 6; only møter: 1; only team: 1; neither (plan): missing.
    t = table(survey, "samarbeid")
    assert t.rows == [
        ["Både møter og team", "3", "60"],
        ["Bare møter", "1", "20"],
        ["Bare team", "1", "20"],
        ["Sum", "5", "100"],
    ]
    assert t.caption == "Samarbeidsform (n=5)"
    path = tmp_path / "a.sav"
    exports.export(survey, "sav", path)
    frame, meta = pyreadstat.read_sav(str(path))
    assert list(frame["samarbeid"].fillna(0)) == [3, 3, 1, 2, 0, 3]
    assert meta.variable_value_labels["samarbeid"][3.0] == "Både møter og team"
    # The raw answers are untouched.
    assert all("samarbeid" not in r.answers for r in dataset.records(survey, clean=False))


def test_filter_and_band_then_undo(survey, tmp_path):
    step = cleaning.add_step(
        survey, FILTER, {"condition": "${q12} = '1'", "label": "Bruker tiltaksarrangører"}
    )
    cleaning.add_step(survey, BAND, {"source": "q4", "name": "q4_gruppe", "limits": "0,10,50"})
    db.session.commit()
    assert table(survey, "q12").rows[-1] == ["Sum", "3", "100"]
    # q4 of the three kept: 5, 15, 60 -> 0–9, 10–49, 50 eller flere.
    assert table(survey, "q4_gruppe").rows == [
        ["0–9", "1", "33"],
        ["10–49", "1", "33"],
        ["50 eller flere", "1", "33"],
        ["Sum", "3", "100"],
    ]
    path = tmp_path / "f.csv"
    assert exports.export(survey, "csv", path) == 3
    frame, _meta = exports.statistical_frame(survey)
    assert len(frame) == 3
    cleaning.undo_step(step)
    db.session.commit()
    assert table(survey, "q12").rows[-1] == ["Sum", "6", "100"]
    listed = cleaning_steps.all_steps(survey)
    assert [s.active for s in listed] == [False, True]
    assert cleaning.describe(listed[1]) == "Grupper q4_gruppe fra q4: grenser 0, 10, 50"


def test_undoing_a_recode_undoes_a_filter_that_needs_it(survey):
    derived = recode(survey)
    cleaning.add_step(survey, FILTER, {"condition": "${samarbeid} = '3'"})
    db.session.commit()
    assert table(survey, "q12").n == 3
    cleaning.undo_step(derived)
    db.session.commit()
    assert [s.active for s in cleaning_steps.all_steps(survey)] == [False, False]
    assert table(survey, "q12").n == 6


def test_bad_steps_are_refused_with_the_field(survey):
    with pytest.raises(CleaningError) as error:
        cleaning.add_step(survey, FILTER, {"condition": "${q12} = "})
    assert error.value.field == "condition"
    assert error.value.message.startswith("Vilkåret «${q12} =» kan ikke leses: ")
    # Messages are for the researcher: Norwegian, naming the field and the value.
    with pytest.raises(CleaningError) as error:
        cleaning.add_step(
            survey, RECODE, {"name": "q8", "rules": [{"condition": BOTH, "code": "1"}]}
        )
    assert (error.value.field, error.value.message) == (
        "name",
        "Undersøkelsen har allerede en variabel som heter q8.",
    )
    with pytest.raises(CleaningError) as error:
        cleaning.add_step(
            survey, RECODE, {"name": "ny", "rules": [{"condition": BOTH, "code": "a b"}]}
        )
    assert (error.value.field, error.value.message) == (
        "rules[1].code",
        "Regel 1: koden «a b» kan bare ha bokstaver, sifre og _.",
    )
    with pytest.raises(CleaningError, match="Velg et tallspørsmål å lage grupper av."):
        cleaning.add_step(survey, BAND, {"source": "q8", "name": "x", "limits": "0,1"})
    with pytest.raises(CleaningError) as error:
        cleaning.add_step(survey, BAND, {"source": "q4", "name": "x", "limits": "10,5"})
    assert (error.value.field, error.value.message) == (
        "limits",
        "Grupper: grensene må være stigende tall (ikke «10,5»).",
    )
    assert cleaning_steps.all_steps(survey) == []


def test_free_text_coded_with_a_code_frame(make_survey, answer, tmp_path):
    survey = make_survey()
    for text in ["Telefon", " telefonmøter", "Telefon ", "E-post", "Felles lunsj"]:
        answer(survey, {"q8": ["annet"], "q8.annet": text})
    answer(survey, {"q8": ["moter"]})
    step = cleaning.add_step(
        survey, CODE, {"source": "q8.annet", "name": "annet_kode", "label": "Annet, kodet"}
    )
    db.session.commit()
    assert cleaning.distinct_texts(survey, "q8.annet") == [
        ("Telefon", 2), ("E-post", 1), ("Felles lunsj", 1), ("telefonmøter", 1),
    ]  # fmt: skip
    cleaning.update_code_frame(
        step,
        [{"code": "1", "label": "Telefon og e-post"}, {"code": "2", "label": "Møter"}],
        {"Telefon": "1", "E-post": "1", "telefonmøter": "2", "Felles lunsj": ""},
    )
    db.session.commit()
    t = table(survey, "annet_kode", min_cell=0)
    # Telefon twice and E-post: 3; telefonmøter: 1; Felles lunsj uncoded.
    assert t.rows == [["Telefon og e-post", "3", "75"], ["Møter", "1", "25"], ["Sum", "4", "100"]]
    with pytest.raises(
        CleaningError, match="Teksten «Telefon» har koden 7, som ikke er i kodelisten."
    ):
        cleaning.update_code_frame(step, [{"code": "1", "label": "x"}], {"Telefon": "7"})
    with pytest.raises(CleaningError, match="Velg et fritekstspørsmål"):
        cleaning.add_step(survey, CODE, {"source": "q1", "name": "x"})
