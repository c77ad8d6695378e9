"""Forms of account activation: the code typed on the activation page, the letters to print."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lien.accounts.activation import normalize_code
from lien.accounts.letters import Audience

REQUIRED = _("Ce champ est obligatoire.")
CHOOSE_AN_OPTION = _("Choisissez l'une des options proposées.")


class ActivationForm(forms.Form):
    """The username and the code printed on an activation letter."""

    username = forms.CharField(
        label=_("Identifiant"),
        max_length=254,
        error_messages={"required": _("Saisissez l'identifiant imprimé sur la lettre.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    # Named "password" so that django-axes masks it in its log of failed attempts.
    password = forms.CharField(
        label=_("Code d'activation"),
        max_length=40,
        help_text=_("12 lettres et chiffres, imprimés sur la lettre (exemple : ABCD-EFGH-JKMN)."),
        error_messages={"required": _("Saisissez le code d'activation imprimé sur la lettre.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

    def clean_password(self) -> str:
        code = self.cleaned_data["password"]
        if normalize_code(code) is None:
            raise forms.ValidationError(
                _(
                    "Un code d'activation compte 12 lettres et chiffres, par exemple "
                    "ABCD-EFGH-JKMN. Recopiez-le tel qu'il figure sur la lettre."
                )
            )
        return code


class LettersForm(forms.Form):
    """What to print for a class."""

    audience = forms.ChoiceField(
        label=_("Destinataires"),
        choices=Audience.choices,
        initial=Audience.BOTH,
        widget=forms.RadioSelect,
        error_messages={"required": REQUIRED, "invalid_choice": CHOOSE_AN_OPTION},
    )
    only_not_activated = forms.BooleanField(
        label=_("Seulement les comptes pas encore activés"),
        required=False,
        initial=True,
    )
    per_page = forms.TypedChoiceField(
        label=_("Mise en page"),
        choices=[
            (1, _("Une lettre par page")),
            (2, _("Deux lettres par page")),
            (8, _("Huit coupons à découper par page")),
        ],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
        error_messages={"required": REQUIRED, "invalid_choice": CHOOSE_AN_OPTION},
    )
