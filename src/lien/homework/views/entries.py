"""Writing the cahier de textes: a new entry for one or several classes, editing, copying and
deleting one's own entries, and the entries' files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lien.core.policy import Role
from lien.core.profiles import active_profile
from lien.homework import policy, services
from lien.homework.forms import CopyForm, EntryForm, work_item_formset
from lien.homework.models import LogEntry
from lien.homework.templatetags.homework import log_url
from lien.homework.views.common import forbidden, refuse
from lien.messaging.attachments import content_disposition

PREVIEW = "apercu"
MAX_WORKLOAD_TABLES = 4


def week_url(target, day) -> str:
    return f"{log_url(target)}?semaine={day.isoformat()}"


def _form_page(request, form, formset, entry: LogEntry | None):
    """The entry form with, beside it, the homework load of the chosen classes for the next two
    weeks, the work being written included."""
    subject = (
        entry.subject if entry else form.cleaned_data.get("subject") if form.is_bound else None
    )
    proposed = (
        services.proposed_work(subject, formset.drafts_so_far())
        if subject is not None and formset.is_bound
        else []
    )
    today = timezone.localdate()
    workloads = [
        services.WorkloadTable(
            target, services.workload(target, today, proposed=proposed, exclude_entry=entry)
        )
        for target in form.chosen_targets()[:MAX_WORKLOAD_TABLES]
    ]
    return render(
        request,
        "homework/entry_form.html",
        {
            "form": form,
            "formset": formset,
            "entry": entry,
            "workloads": workloads,
            "limit": services.daily_minutes_warning(),
            "files_lost": form.is_bound and bool(request.FILES),
            "preview": PREVIEW,
        },
    )


def _save(request, form, formset, write, targets, exclude=None) -> bool:
    """Validate both forms and write; on a refusal, the reasons go on the form. True when
    saved, with the overload warnings shown as messages."""
    is_valid = all([form.is_valid(), formset.is_valid()])  # both, for every error at once
    if PREVIEW in request.POST or not is_valid:
        return False
    draft, works = form.to_draft(), formset.to_drafts()
    warnings = services.overload_warnings(
        targets, services.proposed_work(draft.subject, works), exclude
    )
    try:
        write(draft, works)
    except services.Refused as refusal:
        form.add_error(None, refusal.reason)
        return False
    except ValidationError as error:
        form.add_error(None, error)
        return False
    for warning in warnings:
        messages.warning(request, warning)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def create_entry(request):
    profile = active_profile(request)
    if profile is None or profile.role != Role.TEACHER:
        return forbidden(request, _("Seuls les enseignants écrivent dans le cahier de textes."))
    teachings = services.teachings_of(profile)
    if not teachings:
        return forbidden(
            request, _("Aucune classe ni aucun groupe ne vous est attribué cette année.")
        )
    formset_class = work_item_formset(extra=2)
    if request.method == "GET":
        today = timezone.localdate()
        chosen = [key for key in request.GET.getlist("cible") if key]
        form = EntryForm(
            initial={"lesson_date": today, "visible_from": today, "targets": chosen},
            teachings=teachings,
            entry=None,
        )
        return _form_page(request, form, formset_class(), None)
    form = EntryForm(request.POST, request.FILES, teachings=teachings, entry=None)
    formset = formset_class(request.POST, request.FILES)
    targets = form.chosen_targets()
    created: list[LogEntry] = []

    def write(draft, works):
        created.extend(services.do_create_entries(request.user, profile, targets, draft, works))

    if not _save(request, form, formset, write, targets):
        return _form_page(request, form, formset, None)
    names = ", ".join(entry.target.name for entry in created)
    messages.success(request, _("Séance enregistrée pour %(targets)s.") % {"targets": names})
    return redirect(week_url(created[0].target, created[0].lesson_date))


def _own_entry(request, code):
    """The entry and None, or None and the page refusing it."""
    entry = get_object_or_404(LogEntry.objects.select_related("teacher__user"), code=code)
    if not policy.can_see_entry(request.user, entry):
        return None, refuse(request, entry.establishment)
    try:
        services.check_can_edit(request.user, entry)
    except services.Refused as refusal:
        return None, forbidden(request, refusal.reason)
    return entry, None


@login_required
@require_http_methods(["GET", "POST"])
def edit_entry(request, code):
    entry, refusal = _own_entry(request, code)
    if refusal is not None:
        return refusal
    items = list(entry.work_items.order_by("due_date", "pk"))
    formset_class = work_item_formset(extra=1)
    if request.method == "GET":
        form = EntryForm(
            initial={
                name: getattr(entry, name)
                for name in ("lesson_date", "title", "content", "links", "visible_from")
            },
            teachings=[],
            entry=entry,
        )
        return _form_page(request, form, formset_class(items=items), entry)
    form = EntryForm(request.POST, request.FILES, teachings=[], entry=entry)
    formset = formset_class(request.POST, request.FILES, items=items)

    def write(draft, works):
        services.do_update_entry(request.user, entry, draft, works)

    if not _save(request, form, formset, write, [entry.target], exclude=entry):
        return _form_page(request, form, formset, entry)
    messages.success(request, _("Séance modifiée."))
    return redirect("homework:entry", code=entry.code)


@login_required
@require_http_methods(["GET", "POST"])
def copy_entry(request, code):
    entry = get_object_or_404(services.entries_query(), code=code)
    if not policy.can_see_entry(request.user, entry):
        return refuse(request, entry.establishment)
    if not policy.is_author(request.user, entry):
        return forbidden(request, _("Vous ne pouvez copier que vos propres séances."))
    teachings = services.teachings_of(entry.teacher)
    form = CopyForm(request.POST or None, teachings=teachings, entry=entry)
    if request.method == "POST" and form.is_valid():
        targets = form.chosen_targets()
        try:
            copies = services.do_copy_entry(
                request.user, entry, targets, form.cleaned_data["lesson_date"]
            )
        except services.Refused as refusal:
            form.add_error(None, refusal.reason)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            names = ", ".join(copy.target.name for copy in copies)
            messages.success(request, _("Séance copiée vers %(targets)s.") % {"targets": names})
            return redirect("homework:entry", code=entry.code)
    return render(request, "homework/copy_entry.html", {"form": form, "entry": entry})


@login_required
@require_http_methods(["GET", "POST"])
def delete_entry(request, code):
    entry, refusal = _own_entry(request, code)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        target, day = entry.target, entry.lesson_date
        services.do_delete_entry(request.user, entry)
        messages.success(request, _("Séance supprimée."))
        return redirect(week_url(target, day))
    return render(request, "homework/delete_entry.html", {"entry": entry})


@login_required
@require_GET
def attachment(request, code):
    attachment = services.access_attachment(request.user, code)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    # Always a download, never shown inline: the browser must not guess or render the content.
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
