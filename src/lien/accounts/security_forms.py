"""Forms of account security: password reset and change, two-factor codes."""

import re

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

PASSWORD_MISMATCH = _("Les deux mots de passe saisis ne sont pas identiques.")


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Sends one link to each active account that uses the address (siblings' parents).

    Django's form logs a mail server failure instead of raising it, so the page says the same
    thing whether or not the address belongs to an account.
    """

    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        error_messages={
            "required": _("Saisissez l'adresse e-mail de votre compte."),
            "invalid": _("Cette adresse e-mail n'est pas valide (exemple : nom@exemple.fr)."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _new_password_fields():
    first, second = auth_forms.SetPasswordMixin.create_password_fields(
        label1=_("Nouveau mot de passe"), label2=_("Confirmation du nouveau mot de passe")
    )
    second.help_text = _("Saisissez à nouveau le même mot de passe, pour vérification.")
    return first, second


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password chosen after following a reset link."""

    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_mismatch": PASSWORD_MISMATCH,
    }
    new_password1, new_password2 = _new_password_fields()


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_mismatch": PASSWORD_MISMATCH,
        "password_incorrect": _(
            "Le mot de passe actuel est incorrect. Vérifiez les majuscules et réessayez."
        ),
    }
    old_password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1, new_password2 = _new_password_fields()


class CodeForm(forms.Form):
    """A 6-digit code from the authentication application; spaces are ignored."""

    code = forms.CharField(
        label=_("Code à 6 chiffres"),
        max_length=20,
        error_messages={"required": _("Saisissez le code affiché par votre application.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
            }
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(
                _("Le code compte exactement 6 chiffres. Recopiez celui de votre application.")
            )
        return code
