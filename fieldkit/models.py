"""Every model of every feature, imported so that the metadata (and so Alembic) sees them all."""

from fieldkit.core.models import AuditEvent, Job, Membership, Project, User  # noqa: F401
from fieldkit.surveys.models import Questionnaire, QuestionnaireVersion  # noqa: F401
import fieldkit.conferences.models  # noqa: F401
