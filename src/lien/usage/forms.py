from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lien.usage.services import Period

LAST_7_DAYS, LAST_30_DAYS, BETWEEN_DATES = "7", "30", "dates"
MAX_PERIOD_DAYS = 366


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        # Browsers' date pickers send and show ISO dates; typed French dates are read too.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": _("Saisissez une date valide, par exemple 24/11/2026.")},
        help_text=_("Pour « Entre deux dates » (jj/mm/aaaa)."),
    )


class UsageFilterForm(forms.Form):
    periode = forms.ChoiceField(
        label=_("Période"),
        choices=[
            (LAST_7_DAYS, _("Les 7 derniers jours")),
            (LAST_30_DAYS, _("Les 30 derniers jours")),
            (BETWEEN_DATES, _("Entre deux dates")),
        ],
        required=False,
        error_messages={"invalid_choice": _("Choisissez une période dans la liste.")},
    )
    du = _date_field(_("Du"))
    au = _date_field(_("Au"))
    etablissement = forms.ModelChoiceField(
        label=_("Établissement"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("Tous les établissements"),
        error_messages={"invalid_choice": _("Choisissez un établissement dans la liste.")},
    )

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].queryset = establishments

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("periode") != BETWEEN_DATES or self.errors:
            return cleaned
        start, end = cleaned.get("du"), cleaned.get("au")
        if start is None:
            self.add_error("du", _("Indiquez la date de début."))
        if end is None:
            self.add_error("au", _("Indiquez la date de fin."))
        if start is None or end is None:
            return cleaned
        if end > timezone.localdate():
            self.add_error("au", _("La date de fin ne peut pas être dans le futur."))
        elif end < start:
            self.add_error("au", _("La date de fin doit suivre la date de début."))
        elif end - start >= timedelta(days=MAX_PERIOD_DAYS):
            self.add_error("du", _("Choisissez une période d'un an au plus (366 jours)."))
        return cleaned

    def period(self) -> Period:
        """The chosen period (the last 7 days when nothing was chosen); after is_valid()."""
        data = self.cleaned_data if self.is_bound else {}
        choice = data.get("periode") or LAST_7_DAYS
        if choice == BETWEEN_DATES:
            return Period(data["du"], data["au"])
        return Period.last_days(int(choice))

    def chosen_establishments(self, establishments):
        chosen = self.cleaned_data.get("etablissement") if self.is_bound else None
        return [chosen] if chosen else list(establishments)
