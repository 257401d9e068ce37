"""The page that asks before erasing something for good, shared by every area that erases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template

from fieldkit.core.erasure import forget_erased
from fieldkit.core.forms import EraseForm
from fieldkit.extensions import db


def erase_after_confirmation(
    erase: Callable[[], Any], *, done: str, then: str, heading: str, back: str, what: str, **page
):
    """Ask (``heading``, ``what`` will be gone, a way ``back``); once confirmed, ``erase()``,
    commit, leave no copy in the database files, say ``done`` and go to ``then``."""
    form = EraseForm()
    if form.validate_on_submit():
        erase()
        db.session.commit()
        forget_erased()
        flash(done, "success")
        return redirect(then)
    context = {"form": form, "heading": heading, "back": back, "what": what, **page}
    return render_template("core/erase.html", **context), 422 if form.errors else 200
