"""Forms of the messaging pages: writing a message, the signature."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lien.messaging import compose, services
from lien.messaging.attachments import (
    MEGABYTE,
    AttachmentsField,
    max_file_bytes,
    max_files,
    max_total_bytes,
)
from lien.messaging.models import Address, Field, Message


class _AnyValues(forms.MultipleChoiceField):
    """Several posted values, sorted out by the form's own clean method (so that one bad value
    never throws the good ones away)."""

    def valid_value(self, value) -> bool:
        return True


class ComposeForm(forms.Form):
    """What the compose page holds. Nothing here refuses a send: the form keeps what it can
    read, reports what it cannot, and `services.check_send` decides."""

    lists = _AnyValues(label=gettext_lazy("Listes"), required=False)
    lists_bcc = forms.BooleanField(
        label=gettext_lazy("Envoyer aux listes en copie cachée (Cci)"),
        help_text=gettext_lazy("Les destinataires ne voient pas à quelles listes il a été envoyé."),
        required=False,
    )
    people = _AnyValues(required=False, widget=forms.MultipleHiddenInput)
    q = forms.CharField(label=gettext_lazy("Chercher une personne"), required=False)
    subject = forms.CharField(
        label=gettext_lazy("Objet"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": services.SUBJECT_MAX_LENGTH}),
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    with_signature = forms.BooleanField(label=gettext_lazy("Ajouter ma signature"), required=False)
    send_date = forms.DateField(
        label=gettext_lazy("Date d'envoi"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    send_time = forms.TimeField(
        label=gettext_lazy("Heure d'envoi (heure de Paris)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    is_no_reply = forms.BooleanField(
        label=gettext_lazy("Sans réponse possible"),
        help_text=gettext_lazy("Les destinataires ne pourront pas répondre à ce message."),
        required=False,
    )
    attachments = AttachmentsField()

    def __init__(self, *args, list_choices, people_scope, establishment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.list_choices = {choice.key: choice for choice in list_choices}
        self.people_scope = people_scope
        self.chosen_lists: list[compose.ListChoice] = []
        self.chosen_people: list = []
        field = self.fields["attachments"]
        field.establishment = establishment  # its limits, lower in crisis mode
        field.help_text = " ".join(
            [
                str(field.help_text),
                _("%(count)d fichiers au plus, %(file_mb)d Mo chacun, %(total_mb)d Mo en tout.")
                % {
                    "count": max_files(),
                    "file_mb": max_file_bytes(establishment) // MEGABYTE,
                    "total_mb": max_total_bytes(establishment) // MEGABYTE,
                },
            ]
        )

    def clean_lists(self) -> list[str]:
        keys = list(dict.fromkeys(self.cleaned_data["lists"]))
        self.chosen_lists = [self.list_choices[key] for key in keys if key in self.list_choices]
        if len(self.chosen_lists) < len(keys):
            self.add_error(
                None,
                _(
                    "Une liste choisie n'existe pas ou ne vous est pas ouverte : "
                    "elle a été retirée des destinataires."
                ),
            )
        return [choice.key for choice in self.chosen_lists]

    def clean_people(self) -> list[str]:
        codes = []
        for value in dict.fromkeys(self.cleaned_data["people"]):
            try:
                codes.append(uuid.UUID(value))
            except ValueError:
                codes.append(None)
        found = {
            user.code: user for user in self.people_scope.filter(code__in=[c for c in codes if c])
        }
        self.chosen_people = [found[code] for code in codes if code in found]
        if len(self.chosen_people) < len(codes):
            self.add_error(
                None,
                _(
                    "Un destinataire est introuvable dans votre établissement : "
                    "il a été retiré de la liste."
                ),
            )
        return [str(user.code) for user in self.chosen_people]

    def clean(self):
        cleaned = super().clean()
        day, moment = cleaned.get("send_date"), cleaned.get("send_time")
        unreadable = self.has_error("send_date") or self.has_error("send_time")
        if bool(day) != bool(moment) and not unreadable:
            self.add_error("send_date", _("Indiquez la date et l'heure de l'envoi programmé."))
        return cleaned

    def to_draft(self, in_reply_to: Message | None, idempotency_key: str) -> services.Draft:
        """Whatever the form could read, as a `services.Draft` (valid or not)."""
        data = getattr(self, "cleaned_data", {})
        list_field = Field.BCC if data.get("lists_bcc") else Field.TO
        addresses = [Address(kind=Address.Kind.USER, user=user) for user in self.chosen_people]
        addresses += [choice.address(list_field) for choice in self.chosen_lists]
        day, moment = data.get("send_date"), data.get("send_time")
        return services.Draft(
            subject=data.get("subject", ""),
            body=data.get("body", ""),
            addresses=addresses,
            is_no_reply=bool(data.get("is_no_reply")),
            send_at=compose.scheduled_time(day, moment) if day and moment else None,
            in_reply_to=in_reply_to,
            idempotency_key=idempotency_key,
        )


class SignatureForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Ma signature"),
        required=False,
        max_length=compose.SIGNATURE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = _(
            "Ajoutée à la fin des messages que vous envoyez (%(max)d caractères au plus)."
        ) % {"max": compose.SIGNATURE_MAX_LENGTH}
