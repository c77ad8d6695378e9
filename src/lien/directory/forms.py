from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lien.core.models import Establishment
from lien.directory.importing import ImportFile, ImportKind, UnreadableFile, decode_csv
from lien.directory.importing.years import default_year_name, year_choices
from lien.directory.services import COMPLETE_LIST_REQUIRED

MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_HELP = _("CSV en UTF-8 ou Windows, séparateur « ; » ou « , ». Colonnes : {columns}.")
KIND_FIELDS = {
    "eleves": ImportKind.STUDENTS,
    "responsables": ImportKind.PARENTS,
    "enseignants": ImportKind.TEACHERS,
}


class ImportForm(forms.Form):
    annee = forms.ChoiceField(label=_("Année scolaire"))
    eleves = forms.FileField(
        label=_("Fichier des élèves"),
        required=False,
        help_text=format_lazy(
            FILE_HELP,
            columns="identifiant ; nom ; prenom ; date_naissance ; classe ; groupes ; email",
        ),
    )
    responsables = forms.FileField(
        label=_("Fichier des responsables"),
        required=False,
        help_text=format_lazy(
            FILE_HELP,
            columns="identifiant ; nom ; prenom ; email ; telephone ; identifiant_eleve ; "
            "responsable_legal",
        ),
    )
    enseignants = forms.FileField(
        label=_("Fichier des enseignants"),
        required=False,
        help_text=format_lazy(
            FILE_HELP,
            columns="identifiant ; nom ; prenom ; email ; matiere ; classes ; groupes ; "
            "professeur_principal",
        ),
    )

    def __init__(self, *args, establishment: Establishment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = year_choices(establishment)
        self.fields["annee"].initial = default_year_name(establishment)
        for name in KIND_FIELDS:
            self.fields[name].widget.attrs["accept"] = ".csv,text/csv"

    def clean_file(self, name: str) -> ImportFile | None:
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Ce fichier dépasse la taille permise (%(size)s).")
                % {"size": filesizeformat(MAX_FILE_BYTES)}
            )
        try:
            text = decode_csv(upload.read())
        except UnreadableFile as unreadable:
            raise forms.ValidationError(unreadable.message) from None
        return ImportFile(KIND_FIELDS[name], upload.name, text)

    def clean_eleves(self):
        return self.clean_file("eleves")

    def clean_responsables(self):
        return self.clean_file("responsables")

    def clean_enseignants(self):
        return self.clean_file("enseignants")

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in KIND_FIELDS) and not self.has_error_in_files():
            raise forms.ValidationError(_("Choisissez au moins un fichier à importer."))
        return cleaned

    def has_error_in_files(self) -> bool:
        return any(name in self.errors for name in KIND_FIELDS)

    @property
    def files_to_import(self) -> list[ImportFile]:
        return [self.cleaned_data[name] for name in KIND_FIELDS if self.cleaned_data.get(name)]


class ConfirmImportForm(forms.Form):
    """Confirming a previewed import; the checkbox is required when it removes many pupils."""

    liste_complete = forms.BooleanField(
        label=_("Je confirme que ce fichier contient la liste complète des élèves de l'année"),
        required=False,
    )

    def __init__(self, *args, requires_complete_list: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.requires_complete_list = requires_complete_list

    def clean_liste_complete(self):
        ticked = self.cleaned_data["liste_complete"]
        if self.requires_complete_list and not ticked:
            # The error is announced with the checkbox it is about.
            widget = self.fields["liste_complete"].widget
            widget.attrs["aria-describedby"] = f"{self['liste_complete'].auto_id}_error"
            raise forms.ValidationError(COMPLETE_LIST_REQUIRED)
        return ticked
