"""Pages every user meets: log in and out, the project list, a project, language, health."""

from __future__ import annotations

import hmac
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from fieldkit.core import access, audit, i18n, jobs, mail, operations, ratelimit
from fieldkit.core.forms import (
    EmptyForm,
    LanguageForm,
    LoginForm,
    MemberForm,
    PasswordForm,
    ProjectForm,
)
from fieldkit.core.models import JobStatus, Project, Role, User
from fieldkit.extensions import csrf, db, login_manager

bp = Blueprint("core", __name__)

#: Failed logins allowed per client within the window, before it must wait (high enough for
#: an office behind one address: guessing one account's password is limited per account).
FAILED_LOGINS = ratelimit.FailureLimit("login", limit=30, window=timedelta(minutes=10))
#: Failed logins allowed per e-mail address (known or not, keyed hash) within the window,
#: before that address must wait, from every client.
FAILED_ACCOUNT_LOGINS = ratelimit.FailureLimit(
    "login-account", limit=5, window=timedelta(minutes=15)
)

login_manager.login_view = "core.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a login session, while its session token is the user's current one."""
    user_id, _sep, token = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not token or not hmac.compare_digest(token, user.session_token):
        return None
    return user


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
@login_required
def index():
    """The projects the user may see."""
    projects = access.visible_projects(current_user)
    return render_template("core/index.html", projects=projects)


def _too_many_logins():
    form = LoginForm(next=request.args.get("next"))
    form.password.errors = [
        _("Too many failed attempts from this connection. Wait a few minutes and try again.")
    ]
    return render_template("core/login.html", form=form), 429


def _too_many_account_logins(form: LoginForm):
    # The same answer whether or not a user has the address: every address is counted.
    form.password.errors = [
        _(
            "Too many failed attempts to log in with this e-mail address. Wait 15 minutes "
            "and try again."
        )
    ]
    return render_template("core/login.html", form=form), 429


@bp.route("/login", methods=["GET", "POST"])
@FAILED_LOGINS.guard(_too_many_logins, methods=("POST",))
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        account = operations.normalise_email(form.email.data)
        if FAILED_ACCOUNT_LOGINS.exceeded(account):
            return _too_many_account_logins(form)
        user = operations.authenticate(form.email.data, form.password.data)
        if user is None:
            FAILED_LOGINS.failed()
            FAILED_ACCOUNT_LOGINS.failed(account)
            form.password.errors.append(_("Wrong e-mail address or password."))
        else:
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(form.next.data) or url_for("core.index"))
    status = 200 if not form.is_submitted() or not form.errors else 422
    return render_template("core/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (a POST with CSRF token, so no other site can log a user out)."""
    EmptyForm().validate_on_submit() or abort(400)
    if current_user.is_authenticated:
        # A copy of the session cookie (another tab, a stolen cookie) stops working too.
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("core.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session of the user ends."""
    form = PasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if operations.authenticate(user.email, form.current_password.data) is None:
            form.current_password.errors.append(_("Wrong password."))
        else:
            try:
                operations.set_password(user, form.new_password.data, actor=user)
            except operations.OperationError as exc:
                form.new_password.errors.append(str(exc))
            else:
                db.session.commit()
                login_user(user)  # this session goes on with the new session token
                flash(_("Your password is changed."), "success")
                return redirect(url_for("core.index"))
    status = 200 if not form.is_submitted() or not form.errors else 422
    return render_template("core/password.html", form=form), status


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language for this session."""
    form = LanguageForm()
    if form.validate_on_submit():
        i18n.set_language(form.language.data)
    return redirect(_safe_next(form.next.data) or url_for("core.index"))


@bp.route("/projects/new", methods=["GET", "POST"])
@access.roles_required(Role.RESEARCHER, Role.FACILITATOR)
def new_project():
    """Create a project; the creator becomes a member."""
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = operations.create_project(
                form.slug.data,
                form.name.data,
                form.description.data or "",
                actor=current_user._get_current_object(),
            )
        except operations.OperationError as exc:
            form.slug.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Project %(name)s created.", name=project.name), "success")
            return redirect(url_for("core.project", slug=project.slug))
    return render_template("core/project_form.html", form=form)


@bp.route("/p/<slug>/")
@access.require_project_access
def project(project):
    """A project's front page: its surveys, conferences and members."""
    return render_template(
        "core/project.html",
        project=project,
        members=sorted((m.user for m in project.memberships), key=lambda u: u.name),
        member_form=MemberForm(),
    )


@bp.route("/p/<slug>/members", methods=["POST"])
@access.require_project_access
def add_member(project):
    """Add an existing user to the project by e-mail address (researchers and administrators,
    core.roles). The message is the same whether or not the address has a user, so the form
    tells nobody who is registered; an unknown address changes nothing."""
    form = MemberForm()
    if form.validate_on_submit():
        user = operations.user_by_email(form.email.data)
        if user is not None:
            operations.add_member(project, user, actor=current_user._get_current_object())
            db.session.commit()
        flash(
            _(
                "If %(email)s belongs to a user, that user is now a member (see the list of "
                "members).",
                email=form.email.data,
            ),
            "info",
        )
    else:
        flash(_("Give a valid e-mail address."), "error")
    return redirect(url_for("core.project", slug=project.slug))


@bp.route("/p/<slug>/members/<int:user_id>/remove", methods=["POST"])
@access.require_project_access
def remove_member(project, user_id: int):
    """End a user's membership of the project (not the last researcher's)."""
    EmptyForm().validate_on_submit() or abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    try:
        operations.remove_member(project, user, actor=current_user._get_current_object())
    except operations.OperationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is no longer a member.", name=user.name), "success")
    return redirect(url_for("core.project", slug=project.slug))


@bp.route("/jobs/<job_id>")
@login_required
def job_status(job_id: str):
    """A background job's progress as JSON, for pages that show a progress bar (a job whose
    runner died is marked failed here)."""
    job = jobs.load(job_id)
    if job is None:
        abort(404)
    allowed = current_user.is_admin or job.created_by_id == current_user.id
    if not allowed and job.project_id is not None:
        allowed = access.is_member(current_user, db.session.get(Project, job.project_id))
    if not allowed:
        abort(403)
    return jsonify(
        id=job.id,
        status=job.status.value,
        done=job.progress_done,
        total=job.progress_total,
        percent=job.percent,
        message=job.message if job.status != JobStatus.FAILED else "",
        error=job.error,
        finished=job.finished,
    )


@bp.route("/admin/outbox")
@access.roles_required(Role.ADMIN)
def outbox():
    """The messages written to the outbox folder (when no SMTP server is configured)."""
    if current_app.config.get("SMTP_HOST"):
        abort(404)
    return render_template("core/outbox.html", messages=mail.outbox_messages())


@bp.route("/admin/outbox/<name>")
@access.roles_required(Role.ADMIN)
def outbox_message(name: str):
    """One message of the outbox."""
    if current_app.config.get("SMTP_HOST"):
        abort(404)
    try:
        message = mail.read_outbox_message(name)
    except FileNotFoundError:
        abort(404)
    return render_template("core/outbox_message.html", message=message)


@bp.route("/admin/audit")
@access.roles_required(Role.ADMIN)
def audit_log():
    """The audit log, newest first: filter by project, actor and action, 50 a page."""
    args = request.args
    project_id = args.get("project", type=int)
    actor_id = args.get("actor", type=int)
    action = args.get("action", "")
    found = audit.find_events(
        project_id=project_id,
        actor_id=actor_id,
        action=action,
        page=args.get("page", 1, type=int),
    )
    projects = dict(db.session.execute(sa.select(Project.id, Project.name)).all())
    return render_template(
        "core/audit_log.html",
        found=found,
        choices=audit.filter_choices(),
        chosen={"project": project_id, "actor": actor_id, "action": action},
        project_names=projects,
        filter_args={"project": project_id, "actor": actor_id, "action": action or None},
    )


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """Whether the database (and Redis, when configured) answer."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure makes the check fail
        checks["database"] = f"error: {type(exc).__name__}"
        db.session.rollback()
    if current_app.config.get("REDIS_URL"):
        try:
            jobs.redis_connection().ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "error", checks=checks), 200 if healthy else 503


@bp.app_errorhandler(403)
def forbidden(_error):
    return render_template(
        "errors/error.html",
        code=403,
        title=_("No access"),
        text=_("You do not have access to this page."),
    ), 403


@bp.app_errorhandler(404)
def not_found(_error):
    return render_template(
        "errors/error.html",
        code=404,
        title=_("Page not found"),
        text=_("The page does not exist, or the address is mistyped."),
    ), 404


@bp.app_errorhandler(500)
def server_error(_error):
    db.session.rollback()
    return render_template(
        "errors/error.html",
        code=500,
        title=_("Something went wrong"),
        text=_("The error has been logged. Nothing you saved is lost; try again in a moment."),
    ), 500
