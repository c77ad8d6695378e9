from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from lien.accounts.forms import LoginForm
from lien.accounts.views.activation import login_with_activation_code
from lien.accounts.views.security import finish_password_login
from lien.ops.login_gate import LoginGateBusy, busy_login_response, gated_authenticate


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return ""


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.user.is_authenticated:
        return redirect("home:index")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # An activation code typed as the password: first login (or a new letter).
        activation_response = login_with_activation_code(request, form, _next_url(request))
        if activation_response is not None:
            return activation_response
        try:
            user = gated_authenticate(
                request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except LoginGateBusy:
            # Too many logins being checked on this machine: nothing was tried, nothing counted.
            return busy_login_response(
                request, "accounts/login.html", form, {"next": _next_url(request)}
            )
        if user is not None:
            # Asks for the two-factor code when enabled; remembers this browser.
            return finish_password_login(request, user, _next_url(request))
        if not getattr(request, "axes_locked_out", False):
            form.add_error(
                None,
                _("Identifiant ou mot de passe incorrect. Vérifiez les majuscules et réessayez."),
            )
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


def lockout(request, original_response=None, credentials=None, *args, **kwargs):
    """Shown instead of the login page while an account is locked after repeated failures.

    django-axes calls it as (request, original_response, credentials).
    """
    form = LoginForm(initial={"username": (credentials or {}).get("username", "")})
    form.cleaned_data = {}  # lets the unbound form (which keeps the username) take an error
    form.add_error(
        None,
        _(
            "Trop de tentatives infructueuses : ce compte est bloqué pendant quelques minutes. "
            "Réessayez plus tard ou utilisez « Mot de passe oublié »."
        ),
    )
    return render(request, "accounts/login.html", {"form": form}, status=429)


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("accounts:login")
