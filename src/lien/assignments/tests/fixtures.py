"""Helpers of the assignment tests: set an assignment, hand in, through the services."""

import html
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from lien.assignments import services
from lien.assignments.models import Assignment
from lien.core.models import TeachingAssignment
from lien.messaging.tests.attachment_fixtures import PDF, PNG, upload  # noqa: F401 (re-exported)


def teaching_of(teacher, target=None) -> TeachingAssignment:
    teachings = TeachingAssignment.objects.filter(teacher=teacher).select_related(
        "teacher", "subject", "school_class", "group"
    )
    if target is not None:
        teachings = teachings.filter(**{_target_field(target): target})
    return teachings.first()


def _target_field(target) -> str:
    return "school_class" if target.__class__.__name__ == "SchoolClass" else "group"


def set_assignment(teacher, target=None, **fields) -> Assignment:
    """An assignment set by `teacher` (a profile) through the service, due in a week."""
    data = services.AssignmentData(
        teaching=fields.pop("teaching", None) or teaching_of(teacher, target),
        title=fields.pop("title", "Exercices 12 à 15 page 84"),
        instructions=fields.pop("instructions", "Rédigez les exercices et déposez une photo."),
        deadline=fields.pop("deadline", timezone.now() + timedelta(days=7)),
        **fields,
    )
    return services.check_save_assignment(teacher.user, data)


def hand_in(student, assignment, *, text="", uploads=(), kept=()):
    answer = services.Answer(text=text, uploads=list(uploads), kept_file_codes=list(kept))
    return services.check_submit(student.user, assignment, answer)


def pdf(name="Copie.pdf", data=PDF):
    return upload(name, data, "application/pdf")


def move_deadline(assignment, delta):
    """Put the deadline `delta` from now (in the past for a negative delta), as time passing
    would: straight in the database, the service refusing past deadlines."""
    Assignment.objects.filter(pk=assignment.pk).update(deadline=timezone.now() + delta)
    assignment.refresh_from_db()


def stored_paths() -> set[str]:
    """Every file under MEDIA_ROOT/assignments/, relative to MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    folder = root / "assignments"
    if not folder.exists():
        return set()
    return {str(path.relative_to(root)) for path in folder.rglob("*") if path.is_file()}


def page_text(response) -> str:
    """The page's HTML with entities decoded ("n'est" rather than "n&#x27;est")."""
    return html.unescape(response.content.decode())
