"""Every model of every feature, imported so that the metadata (and so Alembic) sees them all."""

import fieldkit.conferences.models  # noqa: F401
import fieldkit.core.models  # noqa: F401
import fieldkit.surveys.models  # noqa: F401
