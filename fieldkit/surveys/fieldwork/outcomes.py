"""The operations that change a case's outcome by hand: discard a response, override a disposition.

Both are audited with the researcher's reason and can be undone.
"""

from __future__ import annotations

from flask_babel import gettext as _

from fieldkit.core import audit
from fieldkit.core.models import User, utcnow
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db
from fieldkit.surveys.fieldwork import dispositions
from fieldkit.surveys.models import Case, Response


def discard_response(response: Response, reason: str, *, actor: User | None = None) -> Response:
    """Discard a returned response as unusable: it counts as a break-off and leaves results."""
    if not reason.strip():
        raise OperationError(_("Give the reason for discarding the response."))
    if response.discarded_at is not None:
        raise OperationError(_("The response is already discarded."))
    response.discarded_at = utcnow()
    response.discard_reason = reason.strip()
    db.session.flush()
    audit.record(
        "response.discarded",
        response,
        actor=actor,
        project=response.survey.project_id,
        reason=response.discard_reason,
    )
    return response


def restore_response(response: Response, *, actor: User | None = None) -> Response:
    """Undo a discard."""
    if response.discarded_at is None:
        raise OperationError(_("The response is not discarded."))
    reason = response.discard_reason
    response.discarded_at = None
    response.discard_reason = ""
    db.session.flush()
    audit.record(
        "response.restored",
        response,
        actor=actor,
        project=response.survey.project_id,
        previous_reason=reason,
    )
    return response


def override_disposition(case: Case, code: str, reason: str, *, actor: User | None = None) -> Case:
    """Set a case's AAPOR code by hand, with the reason."""
    if code not in dispositions.CODES:
        raise OperationError(_("%(code)s is not an AAPOR disposition code.", code=code))
    if not reason.strip():
        raise OperationError(_("Give the reason for the override."))
    previous = case.disposition_override
    case.disposition_override = code
    case.override_reason = reason.strip()
    db.session.flush()
    audit.record(
        "case.disposition_overridden",
        case,
        actor=actor,
        project=case.survey.project_id,
        code=code,
        previous=previous,
        reason=case.override_reason,
    )
    return case


def clear_override(case: Case, *, actor: User | None = None) -> Case:
    """Go back to the derived disposition."""
    if case.disposition_override is None:
        raise OperationError(_("The case has no override."))
    previous = case.disposition_override
    case.disposition_override = None
    case.override_reason = ""
    db.session.flush()
    audit.record(
        "case.override_cleared",
        case,
        actor=actor,
        project=case.survey.project_id,
        previous=previous,
    )
    return case
