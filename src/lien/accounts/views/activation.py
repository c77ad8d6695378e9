"""Activation: the first login with a letter's code, and printing the letters of a class."""

import re
import unicodedata

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from lien.accounts import activation, letters
from lien.accounts.activation import CodeState
from lien.accounts.activation_forms import ActivationForm, LettersForm
from lien.accounts.backends import find_user
from lien.accounts.models import ActivationCode, User
from lien.accounts.security_forms import SetPasswordForm
from lien.accounts.views.security import finish_password_login
from lien.core import policy
from lien.core.models import SchoolClass
from lien.ops.login_gate import LoginGateBusy, busy_login_response, gated_authenticate

REFUSED_CODE_MESSAGES = {
    CodeState.EXPIRED: gettext_lazy(
        "Ce code d'activation a expiré. "
        "Demandez une nouvelle lettre au secrétariat de l'établissement."
    ),
    CodeState.USED: gettext_lazy(
        "Ce code d'activation a déjà été utilisé. Connectez-vous avec le mot de passe que vous "
        "avez choisi, ou utilisez « Mot de passe oublié »."
    ),
    CodeState.REVOKED: gettext_lazy(
        "Ce code d'activation a été remplacé par celui d'une lettre plus récente. "
        "Utilisez le code de la dernière lettre reçue."
    ),
}


WRONG_CODE = gettext_lazy(
    "Identifiant ou code d'activation incorrect. Vérifiez la lettre et réessayez."
)


def _recognized_code(
    request: HttpRequest, identifier: str, typed: str
) -> tuple[User, ActivationCode] | None:
    """The account and its code when `typed` is one of the account's codes, whatever its state.

    None when it is not, and also while the account is locked out: the caller then goes through
    authenticate(), which counts the failure toward the lockout, or answers with the lockout.
    """
    if activation.normalize_code(typed) is None:
        return None
    user = find_user(identifier)
    if user is None or not user.is_active:
        return None
    if not AxesProxyHandler.is_allowed(request, {"username": identifier}):
        return None
    activation_code = activation.find_code(user, typed)
    return (user, activation_code) if activation_code is not None else None


def _start(
    request: HttpRequest, user: User, activation_code: ActivationCode, next_url: str
) -> str | None:
    """Start the activation if the code is valid; else the message telling why it is refused."""
    state = activation.code_state(activation_code)
    if state is not CodeState.VALID:
        return str(REFUSED_CODE_MESSAGES[state])
    activation.start_pending_activation(request, user, activation_code, next_url)
    return None


def login_with_activation_code(request: HttpRequest, form, next_url: str) -> HttpResponse | None:
    """The login page's answer when the typed password is one of the account's activation codes.

    A valid code leads to choosing a password; an expired, used or replaced one is refused with
    its reason. None for anything else: the login goes on with authenticate(), which counts a
    wrong code as a failed login.
    """
    recognized = _recognized_code(
        request, form.cleaned_data["username"], form.cleaned_data["password"]
    )
    if recognized is None:
        return None
    error = _start(request, *recognized, next_url)
    if error is None:
        return redirect("accounts:activation-password")
    form.add_error(None, error)
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=400)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def activation_view(request):
    """Username and code of a letter: a first login, or a new letter for an active account."""
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["username"]
        typed = form.cleaned_data["password"]
        recognized = _recognized_code(request, identifier, typed)
        if recognized is not None:
            error = _start(request, *recognized, next_url="")
            if error is None:
                return redirect("accounts:activation-password")
            form.add_error(None, error)
        else:
            # Counted toward the account's lockout like a wrong password (or refused during it).
            try:
                gated_authenticate(request, identifier, typed)
            except LoginGateBusy:
                return busy_login_response(request, "accounts/activation_start.html", form)
            if not getattr(request, "axes_locked_out", False):
                form.add_error(None, WRONG_CODE)
    status = 400 if form.errors else 200
    return render(request, "accounts/activation_start.html", {"form": form}, status=status)


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def activation_password_view(request):
    """« Choisissez votre mot de passe »: consumes the code and opens the session."""
    pending = activation.pending_activation(request)
    if pending is None:
        messages.error(
            request,
            _(
                "Saisissez d'abord votre identifiant et le code d'activation de votre lettre "
                "(après 15 minutes sans choisir de mot de passe, il faut les saisir de nouveau)."
            ),
        )
        return redirect("accounts:activation")
    user, code_id, next_url = pending
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        was_activated = user.is_activated
        state = activation.do_activate(user, code_id, form.cleaned_data["new_password1"])
        activation.clear_pending_activation(request)
        if state is not CodeState.VALID:
            messages.error(request, REFUSED_CODE_MESSAGES[state])
            return redirect("accounts:login")
        if was_activated:
            messages.success(request, _("Votre nouveau mot de passe est enregistré."))
        else:
            messages.success(
                request, _("Bienvenue ! Votre compte est activé et votre mot de passe enregistré.")
            )
        # A letter replaces the password, never the second factor: asked here when enabled.
        return finish_password_login(request, user, next_url)
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/activation_password.html",
        {"form": form, "account": user},
        status=status,
    )


def _class_for_account_manager(user: User, code) -> SchoolClass:
    """The class, for staff who manage its establishment's accounts: 404 outside it, else 403."""
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("establishment", "school_year"), code=code
    )
    if not policy.can_view_establishment(user, school_class.establishment):
        raise Http404
    if not policy.can_manage_accounts(user, school_class.establishment):
        raise PermissionDenied
    return school_class


def letters_filename(school_class: SchoolClass) -> str:
    """lettres-activation-2nde-A.pdf: the class name in ASCII, its case kept."""
    folded = unicodedata.normalize("NFKD", school_class.name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")
    return f"lettres-activation-{name or 'classe'}.pdf"


@login_required
@never_cache
def letters_view(request, code):
    """The activation letters of a class, as a PDF to print."""
    school_class = _class_for_account_manager(request.user, code)
    form = LettersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        options = form.cleaned_data
        printed = letters.do_print_letters(
            school_class,
            audience=options["audience"],
            only_not_activated=options["only_not_activated"],
            per_page=options["per_page"],
        )
        if printed is not None:
            response = HttpResponse(printed.content, content_type="application/pdf")
            # The name holds only ASCII letters, digits and dashes: no quoting needed.
            response["Content-Disposition"] = (
                f'attachment; filename="{letters_filename(school_class)}"'
            )
            return response
        form.add_error(None, _nothing_to_print(school_class, options["audience"]))
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "school_class": school_class,
        "accounts": letters.class_accounts(school_class),
        "code_days": activation.code_lifetime().days,
    }
    return render(request, "accounts/letters_form.html", context, status=status)


def _nothing_to_print(school_class: SchoolClass, audience: str) -> str:
    if letters.letter_recipients(school_class, audience, only_not_activated=False):
        return _(
            "Aucune lettre à imprimer : tous ces comptes sont déjà activés. Pour leur remettre "
            "une nouvelle lettre, décochez « Seulement les comptes pas encore activés »."
        )
    if audience == letters.Audience.PARENTS:
        return _(
            "Aucune lettre à imprimer : aucun parent n'est rattaché aux élèves de cette classe."
        )
    return _("Aucune lettre à imprimer : cette classe n'a aucun élève inscrit.")
