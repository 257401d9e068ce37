"""The conference feature's models, shared by its areas (one module per idea, all exported here)."""

from fieldkit.conferences.models.base import TransitionError
from fieldkit.conferences.models.conferences import Conference, ProgrammeItem, Round, Task
from fieldkit.conferences.models.groups import (
    Group,
    GroupMembership,
    GroupNote,
    GroupPhase,
    GroupState,
    Photo,
    ReferentLink,
)
from fieldkit.conferences.models.participants import Participant, ParticipantCategory
from fieldkit.conferences.models.points import (
    Point,
    PointConflict,
    PointEdit,
    Tag,
    TagKind,
    point_tags,
)
from fieldkit.conferences.models.summaries import (
    SendMethod,
    SummaryDocument,
    SummaryLink,
    SummarySend,
)

__all__ = [
    "TransitionError",
    "Conference",
    "ProgrammeItem",
    "Round",
    "Task",
    "ParticipantCategory",
    "Participant",
    "GroupState",
    "GroupPhase",
    "Group",
    "GroupMembership",
    "ReferentLink",
    "Photo",
    "GroupNote",
    "Point",
    "PointConflict",
    "PointEdit",
    "TagKind",
    "point_tags",
    "Tag",
    "SummaryDocument",
    "SendMethod",
    "SummaryLink",
    "SummarySend",
]
