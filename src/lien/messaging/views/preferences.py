"""Choosing how one hears about new messages by e-mail."""

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from lien.messaging import notifications
from lien.messaging.models import NotificationPreference


class NotificationPreferenceForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Me prévenir par e-mail"),
        choices=NotificationPreference.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez comment être prévenu."),
            "invalid_choice": gettext_lazy("Choisissez une des formules proposées."),
        },
    )
    include_body = forms.BooleanField(
        label=gettext_lazy("Inclure le texte du message dans l'e-mail"),
        help_text=gettext_lazy(
            "Sinon, l'e-mail ne donne que l'expéditeur, l'objet et le lien vers le message."
        ),
        required=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = notifications.preference_for(request.user)
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None,
        initial={"mode": preference.mode, "include_body": preference.include_body},
    )
    if request.method == "POST" and form.is_valid():
        notifications.do_save_preference(
            request.user, form.cleaned_data["mode"], form.cleaned_data["include_body"]
        )
        flash.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect("messaging:notification-preferences")
    return render(
        request,
        "messaging/notification_preferences.html",
        {
            "form": form,
            "has_email": bool(request.user.email),
            "mailbox_current": "notifications",
        },
        status=400 if form.errors else 200,
    )
