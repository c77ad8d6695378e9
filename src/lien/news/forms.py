"""Forms of the news pages. They read what was posted; the services decide what is refused."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lien.messaging.attachments import (
    MEGABYTE,
    AttachmentsField,
    max_file_bytes,
    max_files,
    max_total_bytes,
)
from lien.news import services
from lien.news.models import (
    FLASH_MAX_LENGTH,
    REVIEW_NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    NewsItem,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
INVALID_MOMENT = gettext_lazy("Indiquez une date et une heure valides.")


def moment_field(label, help_text="") -> forms.DateTimeField:
    """A date and time typed in the establishment's time zone (Europe/Paris)."""
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"invalid": INVALID_MOMENT},
    )


class NewsItemForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Titre"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX_LENGTH}),
    )
    body = forms.CharField(
        label=gettext_lazy("Texte"),
        help_text=gettext_lazy("Les adresses web deviennent des liens."),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    audiences = forms.MultipleChoiceField(
        label=gettext_lazy("Pour qui ?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Un des publics choisis ne vous est pas ouvert : choisissez dans la liste."
            )
        },
    )
    publish_at = moment_field(
        gettext_lazy("Publier le (heure de Paris)"),
        gettext_lazy("Laissez vide pour publier tout de suite."),
    )
    expires_at = moment_field(
        gettext_lazy("Retirer le (heure de Paris)"),
        gettext_lazy("Laissez vide pour la garder en ligne."),
    )
    is_pinned = forms.BooleanField(
        label=gettext_lazy("Épingler en tête de la liste"), required=False
    )
    requires_acknowledgement = forms.BooleanField(
        label=gettext_lazy("Demander aux parents de confirmer la lecture"),
        help_text=gettext_lazy(
            "Chaque parent confirme d'un clic « J'ai lu et pris connaissance » ; vous voyez "
            "qui ne l'a pas encore fait et pouvez le relancer."
        ),
        required=False,
    )
    attachments = AttachmentsField()
    removed_files = forms.MultipleChoiceField(
        label=gettext_lazy("Retirer ces fichiers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, choices: list[services.AudienceChoice], item=None, **kwargs):
        if item is not None and not args:
            kwargs.setdefault("initial", initial_values(item))
        super().__init__(*args, **kwargs)
        self.choices = {choice.key: choice for choice in choices}
        self.fields["audiences"].choices = [(choice.key, choice.label) for choice in choices]
        self.item = item
        carried = list(item.attachments.all()) if item is not None else []
        self.fields["removed_files"].choices = [
            (str(attachment.code), attachment.original_name) for attachment in carried
        ]
        self.carried_files = carried
        field = self.fields["attachments"]
        field.help_text = " ".join(
            [
                str(field.help_text),
                _("%(count)d fichiers au plus, %(file_mb)d Mo chacun, %(total_mb)d Mo en tout.")
                % {
                    "count": max_files(),
                    "file_mb": max_file_bytes() // MEGABYTE,
                    "total_mb": max_total_bytes() // MEGABYTE,
                },
            ]
        )

    def to_draft(self) -> services.ItemDraft:
        data = self.cleaned_data
        return services.ItemDraft(
            title=data["title"],
            body=data["body"],
            audiences=[self.choices[key].audience for key in data["audiences"]],
            publish_at=data["publish_at"],
            expires_at=data["expires_at"],
            is_pinned=data["is_pinned"],
            requires_acknowledgement=data["requires_acknowledgement"],
            new_files=data["attachments"],
            removed_files=data["removed_files"],
        )


def initial_values(item: NewsItem) -> dict:
    shows_date = item.status == NewsItem.Status.PUBLISHED or item.publish_at > timezone.now()
    return {
        "title": item.title,
        "body": item.body,
        "audiences": [services.audience_key(audience) for audience in item.audiences.all()],
        "publish_at": item.publish_at if shows_date else None,
        "expires_at": item.expires_at,
        "is_pinned": item.is_pinned,
        "requires_acknowledgement": item.requires_acknowledgement,
    }


class ReturnToAuthorForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Remarque pour l'auteur"),
        help_text=gettext_lazy("Facultative : ce qu'il faudrait changer."),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": REVIEW_NOTE_MAX_LENGTH}),
    )


class NewsSettingsForm(forms.Form):
    teachers_need_validation = forms.BooleanField(
        label=gettext_lazy("Les actualités des enseignants sont validées avant publication"),
        help_text=gettext_lazy(
            "Si vous cochez cette case, une actualité écrite par un enseignant attend qu'un "
            "membre de la direction ou de la vie scolaire la publie. Sinon, les enseignants "
            "publient directement pour leurs classes et leurs groupes."
        ),
        required=False,
    )


class FlashForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": FLASH_MAX_LENGTH}),
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Afficher aux"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("student", gettext_lazy("Élèves")),
            ("parent", gettext_lazy("Parents")),
            ("teacher", gettext_lazy("Enseignants")),
            ("staff", gettext_lazy("Personnels")),
        ],
        error_messages={"invalid_choice": gettext_lazy("Choisissez des profils de la liste.")},
    )
    starts_at = moment_field(
        gettext_lazy("À partir du (heure de Paris)"),
        gettext_lazy("Laissez vide pour l'afficher tout de suite."),
    )
    ends_at = moment_field(gettext_lazy("Jusqu'au (heure de Paris)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = _("%(max)d caractères au plus.") % {"max": FLASH_MAX_LENGTH}

    def to_draft(self) -> services.FlashDraft:
        data = self.cleaned_data
        return services.FlashDraft(
            text=data["text"],
            roles=data["roles"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )
