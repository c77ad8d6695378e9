"""Account security: password reset and change, logging out everywhere, devices, two-factor."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from lien.accounts import two_factor
from lien.accounts.devices import current_device, describe_user_agent, remember_device
from lien.accounts.models import KnownDevice, User
from lien.accounts.security_forms import (
    CodeForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from lien.accounts.services import do_login, do_logout_everywhere, do_reset_login_failures
from lien.core.policy import can_enable_two_factor

WRONG_CODE = gettext_lazy(
    "Code incorrect ou expiré. Saisissez le code affiché en ce moment par l'application."
)
TOO_FAST = gettext_lazy(
    "Trop d'essais rapprochés : patientez quelques secondes, puis saisissez le code "
    "affiché à ce moment-là."
)


# Logging in -----------------------------------------------------------------------------------


def finish_password_login(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """The password was right: ask for the second factor when enabled, else open the session."""
    if two_factor.is_enabled(user):
        two_factor.start_pending_login(request, user, next_url)
        return redirect("accounts:login-verify")
    return _open_session(request, user, next_url)


def _open_session(request, user, next_url, device=None) -> HttpResponse:
    do_login(request, user)
    if device is not None:
        otp_login(request, device)
    response = redirect(next_url or "home:index")
    remember_device(request, response, user)
    return response


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_verify(request):
    """Second step of a login with two-factor authentication: the code from the application."""
    pending = two_factor.pending_login(request)
    if pending is None:
        two_factor.clear_pending_login(request)
        messages.error(
            request,
            _(
                "La vérification a expiré. Saisissez à nouveau votre identifiant "
                "et votre mot de passe."
            ),
        )
        return redirect("accounts:login")
    user, next_url = pending
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            two_factor.clear_pending_login(request)
            return get_lockout_response(request, None, credentials)
        if two_factor.is_throttled(user):
            form.add_error("code", TOO_FAST)
        elif device := two_factor.verify_code(user, form.cleaned_data["code"]):
            two_factor.clear_pending_login(request)
            return _open_session(request, user, next_url, device)
        else:
            two_factor.record_failed_code(request, user)
            if getattr(request, "axes_locked_out", False):
                # AxesMiddleware answers with the lockout page; the password must be typed again.
                two_factor.clear_pending_login(request)
            form.add_error("code", WRONG_CODE)
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=status)


# Password reset by e-mail ---------------------------------------------------------------------


def valid_hours() -> int:
    """How long a password reset link works, in whole hours (at least one)."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        # Links point at the configured public address, never at the request's Host header.
        self.extra_email_context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "valid_hours": valid_hours(),
        }
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(valid_hours=valid_hours(), **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    reset_url_token = "nouveau-mot-de-passe"

    def form_valid(self, form):
        response = super().form_valid(form)
        # Proving access to the mailbox lifts a lockout of the account.
        do_reset_login_failures(form.user)
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# The security page ----------------------------------------------------------------------------


def _security_page(request, status=200, **context) -> HttpResponse:
    user = request.user
    this_device = current_device(request, user)
    devices = [
        {
            "browser": describe_user_agent(device.user_agent),
            "user_agent": device.user_agent,
            "first_seen_at": device.first_seen_at,
            "last_seen_at": device.last_seen_at,
            "is_current": this_device is not None and device.pk == this_device.pk,
        }
        for device in KnownDevice.objects.filter(user=user).order_by("-last_seen_at", "-pk")
    ]
    context = {
        "devices": devices,
        "two_factor_offered": can_enable_two_factor(user),
        "two_factor_enabled": two_factor.is_enabled(user),
        "disable_form": CodeForm(),
        **context,
    }
    return render(request, "accounts/security_index.html", context, status=status)


@login_required
def security_index(request):
    return _security_page(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/security_password.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _(
                "Votre mot de passe est modifié. "
                "Vos sessions sur les autres appareils sont fermées."
            ),
        )
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


@login_required
@require_POST
def logout_everywhere(request):
    do_logout_everywhere(request, request.user)
    messages.success(
        request,
        _("Vos sessions sur tous les autres appareils sont fermées. Celle-ci reste ouverte."),
    )
    return redirect("accounts:security")


@login_required
@sensitive_post_parameters("code")
def two_factor_enable(request):
    """Set up an authentication application: show its secret, then confirm it with a code."""
    if not can_enable_two_factor(request.user):
        return render(request, "accounts/security_forbidden.html", status=403)
    if two_factor.is_enabled(request.user):
        messages.info(request, _("La double authentification est déjà activée sur votre compte."))
        return redirect("accounts:security")
    device = two_factor.unconfirmed_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.is_throttled(request.user):
            form.add_error("code", TOO_FAST)
        elif two_factor.do_confirm_device(device, form.cleaned_data["code"]):
            otp_login(request, device)
            messages.success(
                request,
                _(
                    "La double authentification est activée : chaque connexion demandera "
                    "désormais un code de votre application."
                ),
            )
            return redirect("accounts:security")
        else:
            form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "secret": two_factor.secret_for_display(device),
        "qr_code": two_factor.qr_code_data_uri(device),
    }
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_enable.html", context, status=status)


@login_required
@require_POST
@sensitive_post_parameters("code")
def two_factor_disable(request):
    if not two_factor.is_enabled(request.user):
        messages.info(request, _("La double authentification n'est pas activée sur votre compte."))
        return redirect("accounts:security")
    form = CodeForm(request.POST)
    if form.is_valid():
        if two_factor.is_throttled(request.user):
            form.add_error("code", TOO_FAST)
        elif two_factor.do_disable(request.user, form.cleaned_data["code"]):
            messages.success(request, _("La double authentification est désactivée."))
            return redirect("accounts:security")
        else:
            form.add_error("code", WRONG_CODE)
    return _security_page(request, status=400, disable_form=form)
