from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from lien.core.models import Subject
from lien.homework import services
from lien.homework.models import MAX_ESTIMATED_MINUTES, LogEntry, WorkItem
from lien.messaging.attachments import AttachmentsField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def target_label(target: services.Target) -> str:
    if isinstance(target, services.Group):
        return _("%(name)s (groupe)") % {"name": target.name}
    return target.name


class EntryForm(forms.Form):
    """A lesson of the cahier de textes; its work to do comes in `WorkItemFormSet`."""

    subject = forms.ModelChoiceField(
        label=_("Matière"), queryset=Subject.objects.none(), empty_label=None
    )
    targets = forms.MultipleChoiceField(
        label=_("Classes et groupes"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Cochez plusieurs classes pour écrire la même séance dans chacune."),
        error_messages={"required": _("Choisissez au moins une classe ou un groupe.")},
    )
    lesson_date = forms.DateField(label=_("Date de la séance"), widget=DateInput())
    title = forms.CharField(label=_("Titre de la séance"), max_length=200, required=False)
    content = forms.CharField(
        label=_("Contenu de la séance"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Écrivez le contenu de la séance.")},
    )
    links = forms.CharField(
        label=_("Liens"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Un lien par ligne, précédé d'un titre si vous voulez : Vidéo https://…"),
    )
    visible_from = forms.DateField(
        label=_("Visible à partir du"),
        widget=DateInput(),
        help_text=_("Pour préparer une séance à l'avance : les élèves la voient à cette date."),
    )
    documents = AttachmentsField(label=_("Documents de la séance"))
    removed_documents = forms.MultipleChoiceField(
        label=_("Retirer ces documents"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teachings: list[services.Teaching], entry: LogEntry | None, **kw):
        super().__init__(*args, **kw)
        self.entry = entry
        self.targets_by_key = {services.target_key(t.target): t.target for t in teachings}
        if entry is None:
            subject_ids = {s.pk for t in teachings for s in t.subjects}
            self.fields["subject"].queryset = Subject.objects.filter(pk__in=subject_ids)  # type: ignore[attr-defined]
            self.fields["targets"].choices = [  # type: ignore[attr-defined]
                (key, target_label(target)) for key, target in self.targets_by_key.items()
            ]
            del self.fields["removed_documents"]
        else:
            del self.fields["subject"], self.fields["targets"]
            self.attachments = {str(a.code): a for a in entry.attachments.all()}
            self.fields["removed_documents"].choices = [  # type: ignore[attr-defined]
                (code, a.original_name) for code, a in self.attachments.items()
            ]
            if not self.attachments:
                del self.fields["removed_documents"]

    def clean_links(self) -> str:
        validate = URLValidator(schemes=["http", "https"])
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines()]
        errors = []
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                validate(line.split()[-1])
            except ValidationError:
                errors.append(
                    _(
                        "Ligne %(number)d : « %(line)s » ne finit pas par une adresse web (https://…)."
                    )
                    % {"number": number, "line": line[:80]}
                )
        if errors:
            raise ValidationError(errors)
        return "\n".join(line for line in lines if line)

    def chosen_targets(self) -> list[services.Target]:
        """The entry's class or group; else those ticked (or asked for in the address)."""
        if self.entry is not None:
            return [self.entry.target]
        keys = self.data.getlist("targets") if self.is_bound else self.initial.get("targets", [])
        return [self.targets_by_key[key] for key in keys if key in self.targets_by_key]

    def to_draft(self) -> services.EntryDraft:
        data = self.cleaned_data
        removed = data.get("removed_documents") or []
        return services.EntryDraft(
            subject=data["subject"] if self.entry is None else self.entry.subject,
            lesson_date=data["lesson_date"],
            content=data["content"],
            visible_from=data["visible_from"],
            title=data["title"],
            links=data["links"],
            files=data["documents"] or [],
            removed_attachments=[self.attachments[code] for code in removed],
        )


class WorkItemForm(forms.Form):
    code = forms.UUIDField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("Travail à faire"),
        max_length=200,
        error_messages={"required": _("Donnez un intitulé au travail à faire.")},
    )
    instructions = forms.CharField(
        label=_("Consignes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(
        label=_("Pour le"),
        widget=DateInput(),
        error_messages={"required": _("Indiquez pour quel jour ce travail est à faire.")},
    )
    estimated_minutes = forms.IntegerField(
        label=_("Temps estimé (minutes)"),
        min_value=0,
        max_value=MAX_ESTIMATED_MINUTES,
        error_messages={
            "required": _("Estimez le temps que ce travail demande, en minutes."),
            "min_value": _("Le temps estimé ne peut pas être négatif."),
            "max_value": _("Le temps estimé ne peut pas dépasser %(limit_value)s minutes."),
        },
    )
    documents = AttachmentsField(label=_("Documents pour ce travail"))


class BaseWorkItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, items: list[WorkItem] = (), **kwargs):  # type: ignore[assignment]
        self.items = {str(item.code): item for item in items}
        kwargs.setdefault(
            "initial",
            [
                {
                    "code": item.code,
                    "title": item.title,
                    "instructions": item.instructions,
                    "due_date": item.due_date,
                    "estimated_minutes": item.estimated_minutes,
                }
                for item in items
            ],
        )
        super().__init__(*args, prefix="travail", **kwargs)

    def to_drafts(self) -> list[services.WorkDraft]:
        drafts = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            item = self.items.get(str(data.get("code") or form.initial.get("code") or ""))
            if self.can_delete and self._should_delete_form(form):
                if item is not None:
                    drafts.append(
                        services.WorkDraft(
                            item.title,
                            item.due_date,
                            item.estimated_minutes,
                            item=item,
                            is_removed=True,
                        )
                    )
                continue
            if not data:
                continue  # an empty extra form
            drafts.append(
                services.WorkDraft(
                    title=data["title"],
                    due_date=data["due_date"],
                    estimated_minutes=data["estimated_minutes"],
                    instructions=data["instructions"],
                    files=data["documents"] or [],
                    item=item,
                )
            )
        return drafts

    def drafts_so_far(self) -> list[services.WorkDraft]:
        """The work typed in forms that are valid, for the load preview of an invalid form."""
        return [
            services.WorkDraft(d["title"], d["due_date"], d["estimated_minutes"])
            for form in self.forms
            if (d := getattr(form, "cleaned_data", None))
            and "due_date" in d
            and "title" in d
            and d.get("estimated_minutes") is not None
            and not d.get("DELETE")
        ]


def work_item_formset(extra: int):
    return forms.formset_factory(
        WorkItemForm,
        formset=BaseWorkItemFormSet,
        extra=extra,
        max_num=10,
        can_delete=True,
        can_delete_extra=False,
    )


class CopyForm(forms.Form):
    targets = forms.MultipleChoiceField(
        label=_("Copier vers"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une classe ou un groupe.")},
    )
    lesson_date = forms.DateField(
        label=_("Date de la séance dans ces classes"),
        widget=DateInput(),
        help_text=_("Les dates du travail à faire se décalent d'autant."),
    )

    def __init__(self, *args, teachings: list[services.Teaching], entry: LogEntry, **kwargs):
        kwargs.setdefault("initial", {"lesson_date": entry.lesson_date})
        super().__init__(*args, **kwargs)
        self.targets_by_key = {
            services.target_key(t.target): t.target
            for t in teachings
            if t.target != entry.target and entry.subject in t.subjects
        }
        self.fields["targets"].choices = [  # type: ignore[attr-defined]
            (key, target_label(target)) for key, target in self.targets_by_key.items()
        ]

    def chosen_targets(self) -> list[services.Target]:
        return [self.targets_by_key[key] for key in self.cleaned_data["targets"]]
