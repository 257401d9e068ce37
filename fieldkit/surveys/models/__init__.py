"""The survey feature's models, shared by its areas (one module per idea, all exported here)."""

from fieldkit.surveys.models.mail import (
    EmailTemplate,
    Mailing,
    MailingStatus,
    MailKind,
    ReminderSchedule,
    SentMessage,
)
from fieldkit.surveys.models.questionnaires import Questionnaire, QuestionnaireVersion
from fieldkit.surveys.models.results import CleaningStep, ReportComposition, SurveyWave
from fieldkit.surveys.models.surveys import (
    Case,
    Response,
    ResponseMode,
    ResponseStatus,
    Survey,
    SurveyState,
)

__all__ = [
    "Questionnaire",
    "QuestionnaireVersion",
    "SurveyState",
    "Survey",
    "ResponseMode",
    "Case",
    "ResponseStatus",
    "Response",
    "MailKind",
    "EmailTemplate",
    "ReminderSchedule",
    "MailingStatus",
    "Mailing",
    "SentMessage",
    "CleaningStep",
    "SurveyWave",
    "ReportComposition",
]
