"""The login's second step, setting up the authenticator app, recovery codes and the security page."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.forms import LoginForm
from accounts.models import User
from accounts.two_factor.forms import CodeForm
from accounts.two_factor.services import (
    recovery_codes_left,
    recovery_codes_regenerate,
    totp_device_begin,
    totp_device_confirm,
    totp_qr_data_uri,
    totp_secret,
    two_factor_disable,
    two_factor_enabled,
    two_factor_needed,
    two_factor_required,
    two_factor_verify,
)

PENDING_KEY = "two_factor_pending"  # {"user_id", "backend", "next", "at"}: the password was right
NEW_CODES_KEY = "two_factor_new_codes"  # {"codes", "next"}: shown once, then gone
PENDING_SECONDS = 600  # the second step must follow the password within this time
FEW_CODES_LEFT = 3


class LoginView(auth_views.LoginView):
    """The password step. Someone who needs a second factor is not signed in yet: they go on to the code
    (or, for a role that must use one and has no app yet, to setting it up)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if not two_factor_needed(user=user):
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()
        session[PENDING_KEY] = {"user_id": user.pk, "backend": user.backend, "next": self.get_success_url(),
                                "at": int(time.time())}
        return redirect("two_factor:verify" if two_factor_enabled(user=user) else "two_factor:setup")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    data = request.session.get(PENDING_KEY)
    if not data:
        return None
    if time.time() - data["at"] > PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None
    return data


def _subject(request: HttpRequest) -> tuple[User | None, dict[str, Any] | None]:
    """Who the two-factor pages are about: the signed-in person, or the one whose password was just right."""
    if request.user.is_authenticated:
        return request.user, None
    data = _pending(request)
    if data is None:
        return None, None
    user = User.objects.filter(pk=data["user_id"], is_active=True).first()
    return (user, data) if user is not None else (None, None)


def _next_url(request: HttpRequest, pending: dict[str, Any] | None) -> str:
    if pending is not None:
        return pending["next"]
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return reverse("home")


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url and next_url != reverse("home") else url


def _complete(request: HttpRequest, *, user: User, device: Device, pending: dict[str, Any] | None) -> None:
    """The second factor was right: sign the pending person in, or mark the signed-in session verified."""
    if pending is not None:
        del request.session[PENDING_KEY]
        user.backend = pending["backend"]
        user.otp_device = device  # django-otp keeps it in the session when the login signal fires
        auth_login(request, user)
    else:
        otp_login(request, device)


@never_cache
@sensitive_post_parameters("code")
def verify(request: HttpRequest) -> HttpResponse:
    """The login's second step: a code from the app or a recovery code. Wrong codes count as failed logins
    (django-axes), so the login locks after ``AXES_FAILURE_LIMIT`` of them, passwords and codes together."""
    user, pending = _subject(request)
    if user is None:
        return redirect("login")
    next_url = _next_url(request, pending)
    if pending is None and request.user.is_verified():
        return HttpResponseRedirect(next_url)
    if not two_factor_enabled(user=user):
        return redirect(_with_next(reverse("two_factor:setup"), "" if pending else next_url))
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None, help_text=_(
        "Lost your phone? Type one of your recovery codes instead; each works once."))
    if request.method == "POST":
        if not AxesProxyHandler.is_allowed(request, credentials):
            return _locked_out(request, credentials)
        if form.is_valid():
            device = two_factor_verify(user=user, token=form.cleaned_data["code"])
            if device is not None:
                _complete(request, user=user, device=device, pending=pending)
                if isinstance(device, StaticDevice):
                    _recovery_code_used(request, user=user)
                return HttpResponseRedirect(next_url)
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _locked_out(request, credentials)
            form.add_error("code", _("That code is not right. Check the time on your phone and try the newest code."))
    return render(request, "accounts/two_factor/verify.html", {
        "form": form, "next": "" if pending else next_url, "pending_user": user if pending else None,
    })


def _locked_out(request: HttpRequest, credentials: dict[str, str]) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    if request.user.is_authenticated:
        auth_logout(request)
    request.axes_locked_out = True  # type: ignore[attr-defined]
    request.axes_credentials = credentials  # type: ignore[attr-defined]
    return get_lockout_response(request, None, credentials)


def _recovery_code_used(request: HttpRequest, *, user: User) -> None:
    left = recovery_codes_left(user=user)
    message = _("You signed in with a recovery code; it cannot be used again. Recovery codes left: %(left)s.") % {
        "left": left}
    if left <= FEW_CODES_LEFT:
        messages.warning(request, message + " " + _("Make new ones on the Security page."))
    else:
        messages.info(request, message)


@never_cache
@sensitive_post_parameters("code")
def setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code or type the key, then confirm with a code."""
    user, pending = _subject(request)
    if user is None:
        return redirect("login")
    next_url = _next_url(request, pending)
    if two_factor_enabled(user=user):
        if pending is not None or not request.user.is_verified():
            return redirect(_with_next(reverse("two_factor:verify"), "" if pending else next_url))
        return redirect("two_factor:security")
    device = totp_device_begin(user=user)
    form = CodeForm(request.POST or None, hide_label=True)
    if request.method == "POST" and form.is_valid():
        enabled = totp_device_confirm(user=user, token=form.cleaned_data["code"])
        if enabled is not None:
            _complete(request, user=user, device=enabled.device, pending=pending)
            request.session[NEW_CODES_KEY] = {"codes": enabled.recovery_codes, "next": next_url}
            messages.success(request, _("Two-step verification is on."))
            return redirect("two_factor:recovery_codes")
        form.add_error("code", _("That code is not right. Check the time on your phone and try the newest code."))
    return render(request, "accounts/two_factor/setup.html", {
        "form": form, "next": "" if pending else next_url, "secret": totp_secret(device=device),
        "qr_code": totp_qr_data_uri(device=device), "required": two_factor_required(user=user),
        "pending_user": user if pending else None,
    })


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, once: reloading the page does not show them again."""
    data = request.session.pop(NEW_CODES_KEY, None)
    if not data:
        return redirect("two_factor:security")
    text = "\n".join([_("Recovery codes for %(user)s") % {"user": request.user.get_username()}, "", *data["codes"], ""])
    return render(request, "accounts/two_factor/recovery_codes.html", {
        "codes": data["codes"], "next": data["next"],
        "download_href": "data:text/plain;charset=utf-8," + quote(text),
    })


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Two-step verification of the signed-in person: turn it on, new recovery codes, remove it."""
    user = request.user
    enabled = two_factor_enabled(user=user)
    return render(request, "accounts/two_factor/security.html", {
        "enabled": enabled, "required": two_factor_required(user=user),
        "codes_left": recovery_codes_left(user=user) if enabled else 0, "form": CodeForm(),
    })


@never_cache
@login_required
@require_POST
def regenerate_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not two_factor_enabled(user=request.user):
        return redirect("two_factor:security")
    codes = recovery_codes_regenerate(user=request.user)
    request.session[NEW_CODES_KEY] = {"codes": codes, "next": reverse("two_factor:security")}
    messages.success(request, _("New recovery codes made; the old ones no longer work."))
    return redirect("two_factor:recovery_codes")


@never_cache
@login_required
@require_POST
@sensitive_post_parameters("code")
def disable(request: HttpRequest) -> HttpResponse:
    """Remove the app and the recovery codes, confirmed with a current code. A role that must use two
    factors is then asked to set up an app again (e.g. on a new phone)."""
    user = request.user
    form = CodeForm(request.POST)
    if not two_factor_enabled(user=user):
        return redirect("two_factor:security")
    if form.is_valid() and two_factor_verify(user=user, token=form.cleaned_data["code"]) is not None:
        two_factor_disable(user=user, actor=user)
        if two_factor_required(user=user):
            messages.info(request, _("Two-step verification was removed. Your role needs it: set up your app again."))
            return redirect("two_factor:setup")
        messages.success(request, _("Two-step verification was removed."))
        return redirect("two_factor:security")
    messages.error(request, _("That code is not right; two-step verification is still on."))
    return redirect("two_factor:security")
