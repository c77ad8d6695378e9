"""Writing test entries through the services, as a teacher would."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lien.core.models import Subject
from lien.homework import services
from lien.homework.models import LogEntry
from lien.messaging.attachments import check_attachments

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def today() -> date:
    return timezone.localdate()


def in_days(days: int) -> date:
    return today() + timedelta(days=days)


def subject_of(teacher) -> Subject:
    return teacher.teachings.select_related("subject").first().subject


def pdf(name="exercices.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def write(
    teacher,
    targets,
    *,
    lesson: date | None = None,
    works=(("Exercices 1 à 3", 2, 30),),
    visible_from: date | None = None,
    content="Chapitre 3 : les fonctions affines.",
    files=(),
    work_files=(),
    subject=None,
) -> list[LogEntry]:
    """Entries for these classes or groups; `works` are (title, days after the lesson,
    minutes)."""
    lesson = lesson or today()
    draft = services.EntryDraft(
        subject=subject or subject_of(teacher),
        lesson_date=lesson,
        content=content,
        visible_from=visible_from or min(today(), lesson),
        files=check_attachments(list(files)),
    )
    drafts = [
        services.WorkDraft(
            title=title,
            due_date=lesson + timedelta(days=days),
            estimated_minutes=minutes,
            instructions=f"Consignes : {title}",
            files=check_attachments(list(work_files)) if index == 0 else [],
        )
        for index, (title, days, minutes) in enumerate(works)
    ]
    return services.do_create_entries(teacher.user, teacher, list(targets), draft, drafts)
