"""The signed-in user's own second-factor pages: set up an authenticator app, recovery codes, enter a code."""
from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from . import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next_url(request, default: str = "admin:index") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


def _render(request, template: str, title: str, **context):
    return render(request, template, {**admin.site.each_context(request), "title": title, **context})


@login_required(login_url="admin:login")
@require_http_methods(["GET", "POST"])
def two_factor_page(request):
    """Your own page: whether a second factor is set up, how many recovery codes are left, new codes."""
    user = request.user
    codes = None
    if request.method == "POST" and request.POST.get("action") == "new-recovery-codes":
        if not (two_factor.second_factor_enrolled(user) and user.is_verified()):
            return redirect("two_factor_setup")
        codes = two_factor.recovery_codes_create(user=user)
    return _render(
        request, "account/two_factor.html", "Two-step sign-in",
        enrolled=two_factor.second_factor_enrolled(user), required=two_factor.second_factor_required(user),
        verified=user.is_verified(), codes_left=two_factor.recovery_codes_left(user), codes=codes,
    )


@login_required(login_url="admin:login")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Scan the QR code with an authenticator app, type the code it shows; recovery codes are shown once."""
    user = request.user
    if two_factor.second_factor_enrolled(user) and not user.is_verified():
        # Replacing a second factor needs the current one first.
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.path})}")
    device = two_factor.totp_device_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_device_confirm(device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            return _render(request, "account/recovery_codes.html", "Your recovery codes", codes=codes,
                           next=_next_url(request))
        form.add_error("code", "That code is not the one your app shows now. Type the current 6-digit code.")
    return _render(
        request, "account/two_factor_setup.html", "Set up two-step sign-in",
        form=form, qr_svg=two_factor.qr_code_svg(device.config_url), secret=b32encode(device.bin_key).decode(),
        required=two_factor.second_factor_required(user), next=request.GET.get("next", ""),
    )


@login_required(login_url="admin:login")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second sign-in step: a code from the app, or one of the recovery codes."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not two_factor.second_factor_enrolled(request.user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.second_factor_verify(user=request.user, token=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", "That code did not work. Type the code your app shows now, or a recovery code.")
    return _render(request, "account/two_factor_verify.html", "Enter your sign-in code", form=form,
                   next=request.GET.get("next") or request.POST.get("next", ""))
