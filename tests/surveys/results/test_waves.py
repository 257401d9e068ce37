"""Waves: run a survey again with its frame; two waves side by side."""

import sqlalchemy as sa

from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import operations as surveys
from fieldkit.surveys.models import Case
from fieldkit.surveys.results import dataset, waves
from fieldkit.surveys.results.tables import Options


def test_new_wave_copies_the_frame_and_compares(make_survey, answer):
    first = make_survey()
    for q16 in ["1", "1", "2", "3"]:
        answer(first, {"q16": q16}, strata={"etat": "Aetat"})
    second = waves.new_wave(first, "Kartlegging 2005")
    surveys.launch(second)
    db.session.commit()
    assert second.questionnaire_version_id == first.questionnaire_version_id
    assert waves.wave_number(second) == 2 and waves.wave_number(first) == 1
    assert [s.id for s in waves.related_waves(first)] == [second.id]
    assert [s.id for s in waves.related_waves(second)] == [first.id]
    old = db.session.scalars(sa.select(Case).where(Case.survey_id == first.id)).all()
    new = db.session.scalars(sa.select(Case).where(Case.survey_id == second.id)).all()
    assert [(c.external_id, c.strata) for c in new] == [(c.external_id, c.strata) for c in old]
    assert {c.link_hash for c in new}.isdisjoint({c.link_hash for c in old})
    for q16 in ["2", "2", "9"]:
        answer(second, {"q16": q16})
    item = first.definition.item("q16")
    table = waves.side_by_side(
        item,
        [("2004", dataset.records(first)), ("2005", dataset.records(second))],
        Options(),
    )
    # 2004: 2/4 = 50, 1/4 = 25, 1/4 = 25; 2005: 2/3 = 66.7, 1/3 = 33.3.
    assert table.header == ["", "2004 (N=4)", "2005 (N=3)"]
    assert table.rows == [
        ["Svært høy", "50", "0"],
        ["Ganske høy", "25", "67"],
        ["Ganske lav", "25", "0"],
        ["Svært lav", "0", "0"],
        ["Vet ikke", "0", "33"],
        ["Sum", "100", "100"],
    ]
    assert table.caption == "16. Hvor høy er måloppnåelsen så langt? Etter runde. Prosent."


def test_compare_command(runner, make_survey, answer):
    first = make_survey()
    answer(first, {"q1": "1"})
    result = runner.invoke(args=["survey", "new-wave", str(first.id), "--title", "Runde 2"])
    assert result.exit_code == 0, result.output
    second_id = int(result.output.split()[-1])
    result = runner.invoke(
        args=["survey", "table", str(first.id), "q1", "--compare", str(second_id),
              "--format", "csv", "--min-cell", "0"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        ";Kartlegging 2004 (N=1);Runde 2 (N=0)", "Aetat;100;0", "Sosialtjenesten;0;0", "Sum;100;0",
    ]  # fmt: skip
