from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lien.admission import windows
from lien.admission.services import REASON_MAX_LENGTH, CrisisSettings


class StartCrisisForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Pour"),
        error_messages={
            "required": _("Choisissez un périmètre dans la liste."),
            "invalid_choice": _("Choisissez un périmètre dans la liste."),
        },
    )
    # Required-ness and length are checked by the service, with its own messages.
    reason = forms.CharField(
        label=_("Motif"),
        help_text=_("Affiché aux personnes concernées, par exemple « Fermeture des écoles »."),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_LENGTH}),
    )
    parent_access_windows = forms.CharField(
        label=_("Heures d'accès des parents"),
        help_text=_(
            "Par exemple « 17:00-08:30 » : avant 8 h 30 et après 17 h. Laissez vide pour ne pas "
            "restreindre l'accès des parents."
        ),
        required=False,
    )
    max_upload_mb = forms.IntegerField(
        label=_("Taille maximale des fichiers envoyés (Mo)"),
        help_text=_("Laissez vide pour garder la limite habituelle."),
        required=False,
        min_value=1,
        max_value=1000,
        error_messages={
            "invalid": _("Indiquez un nombre entier de mégaoctets."),
            "min_value": _("Indiquez au moins 1 Mo."),
            "max_value": _("Indiquez au plus 1000 Mo."),
        },
    )
    session_idle_minutes = forms.IntegerField(
        label=_("Déconnecter les élèves et les familles après (minutes d'inactivité)"),
        help_text=_("Laissez vide pour garder la durée habituelle."),
        required=False,
        min_value=5,
        error_messages={
            "invalid": _("Indiquez un nombre entier de minutes."),
            "min_value": _("Indiquez au moins 5 minutes."),
        },
    )
    heavy_features_paused = forms.BooleanField(
        label=_("Suspendre les fonctions lourdes (exports, traitements longs)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = {scope.value: scope for scope in scopes}
        self.fields["scope"].choices = [("", "—")] + [
            (scope.value, scope.label) for scope in scopes
        ]

    def clean_parent_access_windows(self):
        return windows.parse_windows(self.cleaned_data["parent_access_windows"])

    def clean_scope(self):
        return self.scopes[self.cleaned_data["scope"]].place

    def crisis_settings(self) -> CrisisSettings:
        data = self.cleaned_data
        return CrisisSettings(
            reason=data["reason"],
            max_upload_mb=data["max_upload_mb"],
            heavy_features_paused=data["heavy_features_paused"],
            parent_access_windows=data["parent_access_windows"],
            session_idle_minutes=data["session_idle_minutes"],
        )


def error_field(error: ValidationError) -> str | None:
    """The form field a service error belongs to."""
    return error.code if error.code in StartCrisisForm.base_fields else None
