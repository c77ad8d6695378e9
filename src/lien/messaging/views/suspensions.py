"""A collectivité operator suspends (and restores) sending for a whole profile."""

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from lien.core.models import Profile
from lien.core.policy import can_suspend_sending
from lien.core.profiles import active_profile
from lien.messaging import safety


class SuspensionForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("Suspendre l'envoi de messages pour les"),
        error_messages={
            "required": gettext_lazy("Choisissez un profil dans la liste."),
            "invalid_choice": gettext_lazy("Choisissez un profil dans la liste."),
        },
    )
    # Required-ness and length are checked by the service, with its own messages.
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        help_text=gettext_lazy("Affiché à chaque personne concernée qui essaie d'écrire."),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": safety.SUSPENSION_REASON_MAX_LENGTH}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (role.value, safety.role_plural(role)) for role in safety.SUSPENDABLE_ROLES
        ]


def _operated_collectivity(request):
    profile = active_profile(request)
    if (
        profile is None
        or profile.role != Profile.Role.OPERATOR
        or not can_suspend_sending(request.user, profile.collectivity)
    ):
        raise PermissionDenied
    return profile.collectivity


@login_required
@require_http_methods(["GET", "POST"])
def suspensions(request):
    collectivity = _operated_collectivity(request)
    form = SuspensionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        try:
            safety.check_suspend(request.user, collectivity, role, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason" if error.code == "reason" else None, error)
        else:
            flash.success(
                request,
                _("L'envoi de messages est suspendu pour les %(role)s.")
                % {"role": safety.role_plural(role)},
            )
            return redirect("messaging:suspensions")
    return render(
        request,
        "messaging/suspensions.html",
        {
            "collectivity": collectivity,
            "form": form,
            "active": [
                (suspension, safety.role_plural(suspension.role))
                for suspension in safety.active_suspensions(collectivity)
            ],
            "past": [
                (suspension, safety.role_plural(suspension.role))
                for suspension in safety.past_suspensions(collectivity)
            ],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def lift_suspension(request):
    collectivity = _operated_collectivity(request)
    role = request.POST.get("role", "")
    try:
        safety.check_lift(request.user, collectivity, role)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request,
            _("L'envoi de messages est rétabli pour les %(role)s.")
            % {"role": safety.role_plural(role)},
        )
    return redirect("messaging:suspensions")
