"""The account's own profile: the name the person sees on the caseworker's messages.

Without one, messages are headed with the role only ("référent : ..."): the account's username
is for logging in and never reaches a person.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import signature, texts
from bot.console.endpoints import page
from bot.console.web import LOGGED_IN, Call
from bot.i18n import is_rtl


def profile_page(call: Call) -> Response:
    return show_profile(call)


def show_profile(call: Call, status: int = 200, typed: str | None = None) -> Response:
    centre = call.site.centres.get(call.me.centre_code)
    name = call.me.display_name if typed is None else typed
    rtl = is_rtl(call.language)
    example = signature.signed("…", call.me.display_name, centre, call.language, rtl)
    return call.render(
        "profile/profile.html",
        status,
        display_name=name or "",
        example=example,
        max_name=signature.MAX_NAME,
        error=texts.NOTICES["bad_display_name"] if typed is not None else None,
        role_labels=texts.ROLE_LABELS,
    )


def save_profile(call: Call) -> Response:
    name = " ".join(call.form.get("display_name", "").split())
    if name and not signature.valid_name(name):
        return show_profile(call, 400, typed=call.form.get("display_name", ""))
    call.me.display_name = name or None
    call.audit("profile_updated")
    call.notice("profile_saved")
    return call.redirect("profile")


routes = [
    Route("/profile", page(profile_page, LOGGED_IN), name="profile"),
    Route("/profile", page(save_profile, LOGGED_IN), methods=["POST"], name="profile_save"),
]
