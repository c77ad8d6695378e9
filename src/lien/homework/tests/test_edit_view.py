"""Editing an entry: its author only, in the current year; bad input changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lien.homework import services
from lien.homework.models import EntryAttachment, LogEntry, WorkDone, WorkItem
from lien.homework.tests.forms_data import entry_post
from lien.homework.tests.helpers import PDF, in_days, pdf, write

pytestmark = pytest.mark.django_db


def edit_url(entry):
    return reverse("homework:edit-entry", kwargs={"code": entry.code})


def edit_post(entry, **fields):
    item = entry.work_items.get()
    works = [
        {
            "code": str(item.code),
            "title": "Exercices 6 à 8",
            "due_date": item.due_date,
            "estimated_minutes": "40",
        }
    ]
    data = entry_post(works=works, initial=1, content="Cours corrigé.")
    data.update(fields)
    return data


def test_the_author_edits_text_and_work_and_ticks_stay(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    item = entry.work_items.get()
    services.do_tick(a.student.user, a.student, item, True)
    client = login(a.teacher)
    assert client.get(edit_url(entry)).status_code == 200
    response = client.post(edit_url(entry), edit_post(entry))
    assert response.status_code == 302
    entry.refresh_from_db()
    item.refresh_from_db()
    assert entry.content == "Cours corrigé."
    assert (item.title, item.estimated_minutes) == ("Exercices 6 à 8", 40)
    assert WorkDone.objects.filter(work_item=item, student=a.student).exists()


def test_the_author_adds_and_removes_work_and_files(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a], files=[pdf("cours.pdf")])
    item = entry.work_items.get()
    document = entry.attachments.get()
    stored = document.file.name
    data = edit_post(entry)
    data.update(
        {
            "travail-TOTAL_FORMS": "2",
            "travail-0-DELETE": "on",
            "travail-1-title": "Lire le chapitre 4",
            "travail-1-due_date": in_days(3).isoformat(),
            "travail-1-estimated_minutes": "20",
            "travail-1-documents": SimpleUploadedFile("chapitre.pdf", PDF),
            "removed_documents": [str(document.code)],
        }
    )
    with_commit = login(a.teacher)
    response = with_commit.post(edit_url(entry), data)
    assert response.status_code == 302
    assert not WorkItem.objects.filter(pk=item.pk).exists()
    [new_item] = entry.work_items.all()
    assert new_item.title == "Lire le chapitre 4"
    assert [d.original_name for d in EntryAttachment.objects.all()] == ["chapitre.pdf"]
    assert EntryAttachment.objects.get().work_item == new_item
    assert not EntryAttachment.objects.filter(file=stored).exists()


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        ("a.group_teacher", 403, "Seul l&#x27;auteur de cette séance"),  # reads 2nde A's log
        ("a.other_teacher", 403, "ce cahier de textes"),
        ("a.direction", 403, "Seul l&#x27;auteur de cette séance"),
        ("a.student", 403, "Seul l&#x27;auteur de cette séance"),
        ("a.other_class_student", 403, "ce cahier de textes"),
        ("b.teacher", 404, ""),
        ("c.direction", 404, ""),
    ],
)
def test_only_the_author_edits(cast, login, who, status, message):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    client = login(profile)
    assert client.get(edit_url(entry)).status_code == status
    response = client.post(edit_url(entry), edit_post(entry))
    assert response.status_code == status
    assert message in response.content.decode()
    entry.refresh_from_db()
    assert entry.content == "Chapitre 3 : les fonctions affines."
    assert entry.work_items.get().title == "Exercices 1 à 3"


def test_a_past_year_entry_cannot_be_edited(world, login):
    a = world.a
    entry = LogEntry.objects.create(
        establishment=a.establishment,
        school_year=a.past_year,
        teacher=a.teacher,
        school_class=a.past_class,
        subject=a.subject,
        lesson_date=a.past_year.starts_on,
        content="Séance de l'an dernier",
        visible_from=a.past_year.starts_on,
    )
    client = login(a.teacher)
    response = client.get(edit_url(entry))
    assert response.status_code == 403
    assert "L&#x27;année scolaire 2025-2026 est archivée" in response.content.decode()
    response = client.post(edit_url(entry), entry_post(works=[], content="Changé"))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.content == "Séance de l'an dernier"
    delete = reverse("homework:delete-entry", kwargs={"code": entry.code})
    assert client.post(delete).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_bad_input_changes_nothing_and_keeps_the_text(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    data = edit_post(entry, content="Nouveau texte tapé")
    data["travail-0-estimated_minutes"] = "-5"
    response = login(a.teacher).post(edit_url(entry), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Le temps estimé ne peut pas être négatif." in text
    assert "Nouveau texte tapé" in text
    entry.refresh_from_db()
    assert entry.content == "Chapitre 3 : les fonctions affines."
    assert entry.work_items.get().estimated_minutes == 30


def test_an_old_due_date_kept_unchanged_is_accepted(cast, login):
    """Editing last week's entry must not fail because its work was due in the past."""
    from datetime import timedelta

    from lien.homework.tests.helpers import today

    a = cast.a
    [entry] = write(a.teacher, [a.class_a], works=(("Exercice", 5, 30),))
    item = entry.work_items.get()
    past = today() - timedelta(days=5)
    LogEntry.objects.filter(pk=entry.pk).update(lesson_date=past - timedelta(days=2))
    WorkItem.objects.filter(pk=item.pk).update(due_date=past)
    entry.refresh_from_db()
    data = edit_post(entry, lesson_date=entry.lesson_date.isoformat())
    data["visible_from"] = entry.visible_from.isoformat()
    data["visible_from"] = entry.lesson_date.isoformat()
    response = login(a.teacher).post(edit_url(entry), data)
    assert response.status_code == 302
    data["travail-0-due_date"] = (past - timedelta(days=1)).isoformat()
    response = login(a.teacher).post(edit_url(entry), data)
    assert "est passé" in response.content.decode()
