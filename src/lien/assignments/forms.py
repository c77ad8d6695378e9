"""Forms of the assignment pages. They only read what was posted: the services decide."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lien.assignments import files, services
from lien.assignments.models import Assignment
from lien.messaging.attachments import ACCEPT, MultipleFileInput


class MultipleFilesField(forms.FileField):
    """Several files in one input, cleaned to a list (checked later by the services, which
    say which file is refused and why)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("allow_empty_file", True)  # empty files get the services' message
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        cleaned = []
        for upload in uploads:
            upload = super().clean(upload, initial)
            if upload:
                cleaned.append(upload)
        return cleaned


class AnyCodesField(forms.MultipleChoiceField):
    """Codes as posted: the service says which are not (or no longer) valid."""

    def valid_value(self, value) -> bool:
        return True


class AssignmentForm(forms.Form):
    teaching = forms.TypedChoiceField(
        label=gettext_lazy("Classe ou groupe"),
        coerce=int,
        error_messages={
            "invalid_choice": gettext_lazy("Choisissez une de vos classes ou un de vos groupes.")
        },
    )
    title = forms.CharField(
        label=gettext_lazy("Titre"),
        max_length=services.TITLE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": services.TITLE_MAX_LENGTH}),
    )
    instructions = forms.CharField(
        label=gettext_lazy("Consignes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    deadline_date = forms.DateField(
        label=gettext_lazy("Date limite"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Indiquez la date limite."),
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 2027-01-15."),
        },
    )
    deadline_time = forms.TimeField(
        label=gettext_lazy("Heure limite (heure de Paris)"),
        initial=time(18, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": gettext_lazy("Indiquez l'heure limite."),
            "invalid": gettext_lazy("Indiquez une heure valide, par exemple 18:00."),
        },
    )
    accepts_files = forms.BooleanField(
        label=gettext_lazy("Les élèves déposent des fichiers"), required=False, initial=True
    )
    accepts_text = forms.BooleanField(
        label=gettext_lazy("Les élèves écrivent une réponse en ligne"), required=False
    )
    late_submissions_allowed = forms.BooleanField(
        label=gettext_lazy("Accepter les dépôts après la date limite (marqués en retard)"),
        required=False,
    )

    def __init__(self, *args, teachings, assignment: Assignment | None = None, **kwargs):
        self.teachings = {teaching.pk: teaching for teaching in teachings}
        if assignment is not None:
            kwargs.setdefault("initial", initial_for(assignment, self.teachings.values()))
        super().__init__(*args, **kwargs)
        self.fields["teaching"].choices = [
            (pk, f"{teaching.school_class or teaching.group} – {teaching.subject}")
            for pk, teaching in self.teachings.items()
        ]

    def data_for_service(self) -> services.AssignmentData:
        data = self.cleaned_data
        deadline = timezone.make_aware(
            datetime.combine(data["deadline_date"], data["deadline_time"])
        )
        return services.AssignmentData(
            teaching=self.teachings[data["teaching"]],
            title=data["title"],
            instructions=data["instructions"],
            deadline=deadline,
            accepts_files=data["accepts_files"],
            accepts_text=data["accepts_text"],
            late_submissions_allowed=data["late_submissions_allowed"],
        )


def initial_for(assignment: Assignment, teachings) -> dict:
    deadline = timezone.localtime(assignment.deadline)
    teaching = next(
        (
            t
            for t in teachings
            if (t.school_class_id, t.group_id, t.subject_id)
            == (assignment.school_class_id, assignment.group_id, assignment.subject_id)
        ),
        None,
    )
    return {
        "teaching": teaching.pk if teaching else None,
        "title": assignment.title,
        "instructions": assignment.instructions,
        "deadline_date": deadline.date(),
        "deadline_time": deadline.time().replace(second=0, microsecond=0),
        "accepts_files": assignment.accepts_files,
        "accepts_text": assignment.accepts_text,
        "late_submissions_allowed": assignment.late_submissions_allowed,
    }


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Votre réponse"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    uploads = MultipleFilesField(label=gettext_lazy("Vos fichiers"))
    kept_files = AnyCodesField(
        label=gettext_lazy("Fichiers de votre dépôt précédent à garder"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, assignment: Assignment, previous=None, **kwargs):
        super().__init__(*args, **kwargs)
        previous_files = list(previous.files.all()) if previous is not None else []
        self.fields["kept_files"].choices = [(str(f.code), f.original_name) for f in previous_files]
        if not self.is_bound and previous is not None:
            self.initial.setdefault("text", previous.text)
            self.initial.setdefault("kept_files", [str(f.code) for f in previous_files])
        limits = files.limits_for(assignment.establishment)
        self.fields["uploads"].help_text = _(
            "PDF, images, documents bureautiques, texte ou audio ; %(count)d fichiers au plus, "
            "%(size)s chacun."
        ) % {"count": limits.max_files, "size": files.format_size(limits.max_file_bytes)}
        if not assignment.accepts_text:
            del self.fields["text"]
        if not assignment.accepts_files:
            del self.fields["uploads"]
            del self.fields["kept_files"]
        elif not previous_files:
            del self.fields["kept_files"]

    def answer(self) -> services.Answer:
        data = self.cleaned_data
        return services.Answer(
            text=data.get("text", ""),
            uploads=data.get("uploads", []),
            kept_file_codes=data.get("kept_files", []),
        )


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Appréciation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    mark = forms.CharField(
        label=gettext_lazy("Note sur 20 (facultative)"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
    )
    returned_file = forms.FileField(
        label=gettext_lazy("Copie corrigée (facultative)"),
        required=False,
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def feedback_input(self) -> services.FeedbackInput:
        data = self.cleaned_data
        return services.FeedbackInput(
            text=data["text"], mark=data["mark"], returned_file=data["returned_file"]
        )
