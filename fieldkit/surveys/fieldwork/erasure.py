"""Erasing a case or a response for good (GDPR art. 17), from the case page and from
``fieldkit survey erase``.

Erasing a case deletes the case, its response (answers and their packed analysis row), its
send log, and then, through ``core.erasure``: the survey's exports already made (they may hold
the answers; they can be made again), the survey's frame uploads awaiting import, the outbox
messages to the person, the person's name, address, external id and answer texts in the details
of past audit events and in job records, and the details of the events about the case itself.
Counts stay explainable: a mailing keeps its sent and failed counts, and the audit event of
the erasure keeps the case's AAPOR code and how many messages and responses went, nothing that
names the person.

Erasing a response deletes the answers only (the case stays in the frame).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fieldkit.core import erasure
from fieldkit.core.erasure import Erasure, Identifiers
from fieldkit.core.models import Job, User
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import frame, queries
from fieldkit.surveys.models import Case, Mailing, Response, SentMessage, Survey

#: The job that writes a survey's exports (``surveys.results.exports.export_job``), named by
#: its path: the results area is a layer above fieldwork.
EXPORT_JOB = "fieldkit.surveys.results.exports:export_job"


def _answer_texts(answers: Any) -> list[str]:
    """Every text in a response's answers (open answers, "other" texts)."""
    if isinstance(answers, str):
        return [answers]
    if isinstance(answers, dict):
        return [t for v in answers.values() for t in _answer_texts(v)]
    if isinstance(answers, list):
        return [t for v in answers for t in _answer_texts(v)]
    return []


def _export_jobs(survey: Survey) -> list[Job]:
    jobs = db.session.scalars(
        sa.select(Job).where(Job.func == EXPORT_JOB, Job.project_id == survey.project_id)
    )
    return [job for job in jobs if job.args and job.args[0] == survey.id]


def _erase_from_core(
    result: Erasure,
    survey: Survey,
    identifiers: Identifiers,
    objects: list[tuple[str, str]],
    *,
    outbox: bool,
) -> None:
    """The survey's files made from its data, and the person in the core's records."""
    result.add("exports_deleted", erasure.delete_job_downloads("exports", _export_jobs(survey)))
    result.add("frame_uploads_deleted", frame.discard_uploads_of(survey))
    if outbox:
        result.add("outbox_messages_deleted", erasure.delete_outbox_messages(identifiers))
    for mailing in db.session.scalars(sa.select(Mailing).where(Mailing.survey_id == survey.id)):
        error, scrubbed = identifiers.scrub(mailing.error)
        if scrubbed:
            mailing.error = error
    result.add(
        "audit_events_scrubbed",
        erasure.scrub_audit(identifiers, project_id=survey.project_id, objects=objects),
    )
    result.add(
        "job_records_scrubbed", erasure.scrub_jobs(identifiers, project_id=survey.project_id)
    )


def _delete_responses(responses: list[Response]) -> None:
    for response in responses:
        db.session.delete(response)
    db.session.flush()


def erase_case(case: Case, *, actor: User | None = None) -> Erasure:
    """Erase the case and everything about it (see the module doc); flushes, audits."""
    survey = case.survey
    result = Erasure("case", str(case.id))
    code = queries.case_code(survey, case)
    responses = list(db.session.scalars(sa.select(Response).where(Response.case_id == case.id)))
    if case.open_response_id:
        open_response = db.session.get(Response, case.open_response_id)
        if open_response is not None and open_response not in responses:
            responses.append(open_response)
    messages = list(
        db.session.scalars(sa.select(SentMessage).where(SentMessage.case_id == case.id))
    )
    identifiers = Identifiers.of(
        names=[case.name, case.contact_person],
        emails=[case.email, *(m.to_address for m in messages)],
        ids=[case.external_id],
        texts=[t for r in responses for t in _answer_texts(r.answers)],
    )
    objects = [("cases", str(case.id))] + [("responses", r.id) for r in responses]
    _delete_responses(responses)
    result.add("responses_deleted", len(responses))
    for message in messages:
        db.session.delete(message)
    result.add("sent_messages_deleted", len(messages))
    db.session.delete(case)
    db.session.flush()
    _erase_from_core(result, survey, identifiers, objects, outbox=True)
    erasure.record(
        result,
        object_type="cases",
        project=survey.project_id,
        actor=actor,
        survey=survey.id,
        disposition=code,
    )
    return result


def erase_response(response: Response, *, actor: User | None = None) -> Erasure:
    """Erase a response's answers for good (the case, if any, stays); flushes, audits."""
    survey = response.survey
    result = Erasure("response", response.id)
    identifiers = Identifiers.of(texts=_answer_texts(response.answers))
    objects = [("responses", response.id)]
    _delete_responses([response])
    result.add("responses_deleted", 1)
    _erase_from_core(result, survey, identifiers, objects, outbox=False)
    erasure.record(
        result, object_type="responses", project=survey.project_id, actor=actor, survey=survey.id
    )
    return result


def cases_with_email(address: str) -> list[Case]:
    """The cases of every survey with the e-mail ``address`` (any case)."""
    return list(
        db.session.scalars(
            sa.select(Case)
            .where(sa.func.lower(Case.email) == address.strip().lower())
            .order_by(Case.survey_id, Case.id)
        )
    )
