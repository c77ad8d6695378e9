"""Online assignment pages: thin views over `services` (writes and reads) and `policy`.

Anything outside the user's establishment is a 404; a wrong role inside it a 403 (with the
reason when the user could not guess it, such as a parent trying to hand in). Pupils' work (a
hand-in, its receipt, its files) is a 404 for anyone but the pupil, their parents and the
teacher.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lien.admission.services import heavy_features_paused
from lien.assignments import files, policy, services
from lien.assignments.forms import AssignmentForm, FeedbackForm, SubmissionForm
from lien.core.models import Profile
from lien.core.policy import children_of
from lien.core.profiles import active_profile
from lien.messaging.attachments import content_disposition

Role = Profile.Role
PAGE_SIZE = 30


def _refused(request, reason: str, status: int = 403):
    return render(request, "assignments/refused.html", {"reason": reason}, status=status)


def _chosen(people, code: str | None):
    """The person of `people` whose code was asked for, else the first one."""
    return next((p for p in people if str(p.code) == code), people[0] if people else None)


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page_obj": page, "page_range": page.paginator.get_elided_page_range(page.number)}


# Lists ------------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    profile = active_profile(request)
    role = profile.role if profile is not None else None
    if role == Role.STUDENT:
        context = {"items": services.pupil_assignments(profile)}
        return render(request, "assignments/index_student.html", context)
    if role == Role.PARENT:
        children = list(children_of(request.user))
        child = _chosen(children, request.GET.get("enfant"))
        items = services.pupil_assignments(child) if child is not None else []
        context = {"children": children, "child": child, "items": items}
        return render(request, "assignments/index_parent.html", context)
    if role == Role.TEACHER:
        context = _page(request, services.teacher_assignments(profile))
        return render(request, "assignments/index_teacher.html", context)
    if role == Role.STAFF:
        context = _page(request, services.establishment_assignments(profile.establishment))
        return render(request, "assignments/index_staff.html", context)
    return _refused(
        request,
        _(
            "Les devoirs en ligne concernent les élèves, leurs parents, les enseignants et les "
            "personnels des établissements."
        ),
    )


# Setting an assignment --------------------------------------------------------------------------


def _assignment_form_page(request, teachings, assignment=None):
    form = AssignmentForm(
        request.POST if request.method == "POST" else None,
        teachings=teachings,
        assignment=assignment,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.check_save_assignment(
                request.user, form.data_for_service(), assignment
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error("teaching", str(error))
        else:
            messages.success(
                request, _("Devoir enregistré.") if assignment else _("Devoir donné aux élèves.")
            )
            return redirect("assignments:tracking", code=saved.code)
    context = {"form": form, "assignment": assignment}
    return render(request, "assignments/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    teachings = list(policy.teachings_for(request.user))
    if not teachings:
        return _refused(
            request,
            _(
                "Seuls les enseignants donnent des devoirs en ligne, aux classes et groupes où "
                "ils enseignent cette année."
            ),
        )
    return _assignment_form_page(request, teachings)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, code):
    assignment = services.access_assignment(request.user, code, manage=True)
    return _assignment_form_page(request, list(policy.teachings_for(request.user)), assignment)


# One assignment, as its pupils and their parents see it --------------------------------------


@login_required
@require_GET
def detail(request, code):
    assignment = services.access_assignment(request.user, code)
    student = policy.own_student_profile(request.user, assignment)
    children = [] if student else list(policy.children_concerned(request.user, assignment))
    if student is None and not children:
        return redirect("assignments:tracking", code=assignment.code)
    shown = student or _chosen(children, request.GET.get("enfant"))
    versions = services.history(assignment, shown)
    latest = versions[0] if versions else None
    context = {
        "assignment": assignment,
        "student": shown,
        "is_pupil": student is not None,
        "children": children,
        "versions": versions,
        "latest": latest,
        "status": services.status_of(assignment, latest, timezone.now()),
        "is_open": services.is_open(assignment),
    }
    return render(request, "assignments/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, code):
    assignment = services.access_assignment(request.user, code)
    student = policy.own_student_profile(request.user, assignment)
    if student is None:
        return _refused(request, services.refusal_to_submit(request.user, assignment))
    previous = services.latest_submission(assignment, student)
    bound = request.method == "POST"
    form = SubmissionForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        assignment=assignment,
        previous=previous,
    )
    if bound and form.is_valid():
        try:
            submission = services.check_submit(request.user, assignment, form.answer())
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            return _refused(request, str(error))
        else:
            messages.success(request, _("Votre devoir est rendu. Voici votre reçu."))
            return redirect("assignments:receipt", code=submission.code)
    context = {
        "assignment": assignment,
        "form": form,
        "previous": previous,
        "is_open": services.is_open(assignment),
        "limits": files.limits_for(assignment.establishment),
    }
    return render(request, "assignments/submit.html", context)


@login_required
@require_GET
def receipt(request, code):
    submission = services.access_submission(request.user, code)
    context = {
        "submission": submission,
        "assignment": submission.assignment,
        "submitted_files": list(submission.files.all()),
    }
    return render(request, "assignments/receipt.html", context)


# The teacher's side -----------------------------------------------------------------------------


@login_required
@require_GET
def tracking(request, code):
    assignment = services.access_assignment(request.user, code, track=True)
    context = {
        "assignment": assignment,
        "tracking": services.tracking(assignment),
        "manages": policy.can_manage_assignment(request.user, assignment),
    }
    return render(request, "assignments/tracking.html", context)


@login_required
@require_GET
def download_all(request, code):
    assignment = services.access_assignment(request.user, code, manage=True)
    if heavy_features_paused(assignment.establishment):
        return _refused(
            request,
            _(
                "Le téléchargement groupé est suspendu pendant la période de crise déclarée "
                "par l'établissement. Les fichiers restent téléchargeables un par un."
            ),
            status=503,
        )
    # Built in a temporary file (not in memory), then streamed; removed when closed.
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    try:
        count = files.write_archive(assignment, archive)
    except BaseException:
        archive.close()
        raise
    if count == 0:
        archive.close()
        messages.info(request, _("Aucun élève n'a encore rendu ce devoir."))
        return redirect("assignments:tracking", code=assignment.code)
    archive.seek(0)
    response = FileResponse(archive, content_type="application/zip")
    name = f"{assignment.title} – {assignment.target}.zip"
    response["Content-Disposition"] = content_disposition(files.clean_file_name(name))
    response["Cache-Control"] = "private"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def submission(request, code):
    """One pupil's hand-in, its history, and the feedback form (the teacher's page)."""
    submission = services.access_submission(request.user, code, manage=True)
    feedback = services.feedback_of(submission)
    initial = None
    if feedback is not None:
        initial = {"text": feedback.text, "mark": services.format_mark(feedback.mark)}
    form = FeedbackForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.check_give_feedback(request.user, submission, form.feedback_input())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Retour enregistré."))
            if outcome.notified:
                messages.info(request, _("L'élève et ses parents ont été prévenus par message."))
            elif outcome.notification_error:
                messages.warning(
                    request,
                    _("Le message de notification n'a pas pu être envoyé : %(reason)s")
                    % {"reason": outcome.notification_error},
                )
            return redirect("assignments:submission", code=submission.code)
    versions = services.history(submission.assignment, submission.student)
    context = {
        "submission": submission,
        "assignment": submission.assignment,
        "versions": versions,
        "latest": versions[0] if versions else None,
        "form": form,
    }
    return render(request, "assignments/submission.html", context)


# Files ------------------------------------------------------------------------------------------


def _file_response(stored):
    response = FileResponse(stored.file.open("rb"), content_type=stored.content_type)
    # Always a download, never shown inline: the browser must not guess or render the content.
    response["Content-Disposition"] = content_disposition(stored.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


@login_required
@require_GET
def download_file(request, code):
    return _file_response(services.access_submission_file(request.user, code))


@login_required
@require_GET
def download_returned_file(request, code):
    return _file_response(services.access_returned_file(request.user, code))
