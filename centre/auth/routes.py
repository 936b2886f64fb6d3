"""Login, logout, terminal lock, own password, and user administration."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from centre import db, once
from centre.forms import ConfirmForm, show_errors
from centre.inputs import page_number
from centre.pagination import paginate
from centre.security import local_path
from centre.validation import FieldErrors

from . import bp, services
from .forms import ChangePasswordForm, LoginForm, RoleForm, UserCreateForm
from .labels import ROLE_LABELS
from .models import Role, User
from .permissions import ADMINISTRATION, allow, authenticated, public
from .sessions import ServerSession, hash_token


def password_policy() -> services.PasswordPolicy:
    return services.PasswordPolicy(
        time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=current_app.config["PASSWORD_HASH_MEMORY_COST"],
    )


def _server_session() -> ServerSession:
    assert isinstance(session, ServerSession)  # noqa: S101 - installed by create_app
    return session


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        dbs = db.session()
        digest = services.address_hash(current_app.config["SECRET_KEY"], request.remote_addr or "")
        try:
            user = services.authenticate(
                dbs,
                password_policy(),
                username=form.username.data or "",
                password=form.password.data or "",
                address_digest=digest,
            )
        except services.ThrottledError:
            services.record_throttled_login(dbs)
            form.password.errors.append(
                _("Too many failed attempts. Wait 15 minutes, or ask an administrator.")
            )
            status = 429
        except services.InvalidCredentialsError:
            form.password.errors.append(_("Unknown username or wrong password."))
        else:
            _server_session().rotate()  # new session id at login: no session fixation
            login_user(user)
            # Abandoned sessions would otherwise stay forever; a login is a cheap moment.
            services.purge_expired_sessions(
                dbs,
                idle=current_app.config["SESSION_IDLE_TIMEOUT"],
                absolute=current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
            )
            once.purge(dbs)
            if user.must_change_password:
                flash(_("Choose your own password to continue."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(local_path(request.args.get("next")) or url_for("main.index"))
    return render_template(
        "auth/login.html", form=form, locked=request.args.get("locked") == "1"
    ), status


def _end_session(*, locked: bool) -> None:
    """Log out (or lock the terminal): audited, and the session dies on the server."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.log_out(db.session(), user=current_user._get_current_object(), locked=locked)
    logout_user()
    _server_session().end()


@bp.route("/logout", methods=["POST"])
@authenticated
def logout() -> Response:
    _end_session(locked=False)
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/lock", methods=["POST"])
@authenticated
def lock() -> Response:
    """Shared terminals: end this session at once and hand the screen to the next colleague."""
    _end_session(locked=True)
    return redirect(url_for("auth.login", locked=1))


@bp.route("/password", methods=["GET", "POST"])
@authenticated
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            token = _server_session().token
            services.change_password(
                db.session(),
                password_policy(),
                user=current_user._get_current_object(),
                current=form.current.data or "",
                new=form.new.data or "",
                keep_session_token_hash=hash_token(token) if token else None,
            )
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            _server_session().rotate()
            flash(_("Your password was changed. Your other sessions were ended."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


# --- user administration --------------------------------------------------------------------


@bp.route("/admin/users")
@allow(ADMINISTRATION)
def users() -> str:
    dbs = db.session()
    query = select(User).order_by(User.active.desc(), User.username)
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    page = paginate(dbs, query, page=request.args.get("page", 1, type=page_number), per_page=50)
    counts = dict(dbs.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template(
        "auth/users.html", page=page, role_labels=ROLE_LABELS, role_filter=role, counts=counts
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@allow(ADMINISTRATION)
def create_user() -> Any:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user, one_time = services.create_user(
                db.session(),
                password_policy(),
                actor_id=current_user.id,
                username=form.username.data or "",
                role=Role(form.role.data),
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("auth.users"))
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            return render_template(
                "auth/one_time_password.html", user=user, one_time=one_time, created=True
            )
    return render_template("auth/user_new.html", form=form)


def _user_or_404(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users/<int:user_id>")
@allow(ADMINISTRATION)
def user_detail(user_id: int) -> str:
    user = _user_or_404(user_id)
    return render_template(
        "auth/user_detail.html",
        user=user,
        role_labels=ROLE_LABELS,
        role_form=RoleForm(role=user.role.value),
        confirm_form=ConfirmForm(),
        locked=services.is_locked(db.session(), user),
    )


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@allow(ADMINISTRATION)
def set_user_active(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_active(db.session(), actor_id=current_user.id, user=user, active=active)
    except services.CannotChangeOwnAccountError:
        flash(_("You cannot disable your own account."), "error")
    else:
        flash(
            _("The account is enabled.")
            if active
            else _("The account is disabled and its sessions were ended."),
            "success",
        )
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@allow(ADMINISTRATION)
def set_user_role(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_role(
            db.session(), actor_id=current_user.id, user=user, role=Role(form.role.data)
        )
    except services.CannotChangeOwnAccountError:
        flash(_("You cannot change your own role."), "error")
    else:
        flash(_("The role was changed; the user must log in again."), "success")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/unlock", methods=["POST"])
@allow(ADMINISTRATION)
def unlock_user(user_id: int) -> Response:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.unlock(db.session(), actor_id=current_user.id, user=user):
        flash(
            _("The account is unlocked: %(name)s can log in again.", name=user.username), "success"
        )
    else:
        flash(_("This account was not locked."), "info")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@allow(ADMINISTRATION)
def reset_user_password(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    one_time = services.reset_password(
        db.session(), password_policy(), actor_id=current_user.id, user=user
    )
    return render_template(
        "auth/one_time_password.html", user=user, one_time=one_time, created=False
    )
