"""The results' verbs that take more than one module: a question's table (alone, broken down by
a column or another question, in bands, or beside another wave) and its figure, as the results
page and ``fieldkit survey table`` ask for them."""

from __future__ import annotations

from flask_babel import gettext as _

from fieldkit.surveys.models import Survey
from fieldkit.surveys.results import cleaning_steps, dataset, figures, numbers, tables, waves
from fieldkit.surveys.results.figures import Figure
from fieldkit.surveys.results.tables import Options, Table, TableError


def question_table(
    survey: Survey,
    name: str,
    options: Options,
    *,
    by: str | None = None,
    bands: str | None = None,
    compare: Survey | None = None,
) -> Table:
    """The table of question (or grid row) ``name`` of the cleaned questionnaire: by a frame
    column or a single-choice question (``by``), in bands of a number (``bands``: the limits,
    "0,10,50"), or beside another wave of the survey (``compare``). Raises ``TableError``."""
    questionnaire = cleaning_steps.active_steps(survey).questionnaire()
    if compare is not None:
        item = questionnaire.item(name)
        if item is None:
            raise TableError(
                _("The questionnaire has no question or variable named “%(name)s”.", name=name)
            )
        series = [(wave.title, dataset.records(wave)) for wave in (survey, compare)]
        return waves.side_by_side(item, series, options)
    band_list = numbers.parse_bands(bands) if bands else None
    return tables.table_for(
        questionnaire, name, dataset.records(survey), options, by=by, band_list=band_list
    )


def question_figure(survey: Survey, name: str, options: Options) -> Figure | None:
    """The figure of question ``name`` of the cleaned questionnaire, if it has one."""
    item = cleaning_steps.active_steps(survey).questionnaire().item(name)
    if item is None:
        return None
    return figures.figure_for(item, dataset.records(survey), options)
