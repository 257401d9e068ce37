"""The conference feature's pages: each area's staff pages, nested under ``/p/<slug>/conferences``
in the ``conferences`` blueprint, and the public pages reached by a link without logging in."""

from __future__ import annotations

from flask import Blueprint

from fieldkit.conferences.facilitation.views import bp as facilitation
from fieldkit.conferences.referent.views import bp as referent
from fieldkit.conferences.setup.views import bp as setup
from fieldkit.conferences.summary.public_views import bp as summary_link
from fieldkit.conferences.summary.views import bp as summary
from fieldkit.conferences.synthesis.views import bp as synthesis

#: Staff pages, for members of the project in the address: endpoints ``conferences.<area>.<view>``.
staff = Blueprint("conferences", __name__, url_prefix="/p/<slug>/conferences")
for area in (setup, facilitation, summary, synthesis):
    staff.register_blueprint(area)

#: Pages reached without logging in: the referent's tablet, the summary's download link.
PUBLIC = (referent, summary_link)
