"""Copying one's entry to other classes, and deleting it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from lien.homework.models import EntryAttachment, LogEntry, WorkItem
from lien.homework.tests.helpers import in_days, pdf, today, write

pytestmark = pytest.mark.django_db


def copy_url(entry):
    return reverse("homework:copy-entry", kwargs={"code": entry.code})


def test_the_author_copies_an_entry_with_its_work_and_files(two_classes, login):
    a = two_classes.a
    [entry] = write(a.teacher, [a.class_a], files=[pdf("cours.pdf")], work_files=[pdf()])
    lesson = in_days(1)
    response = login(a.teacher).post(
        copy_url(entry), {"targets": [f"classe:{a.class_b.code}"], "lesson_date": lesson}
    )
    assert response.status_code == 302
    copy = LogEntry.objects.get(school_class=a.class_b)
    assert (copy.content, copy.lesson_date, copy.teacher) == (entry.content, lesson, a.teacher)
    item = copy.work_items.get()
    assert item.due_date == entry.work_items.get().due_date + timedelta(days=1)
    assert item.school_class == a.class_b
    assert sorted((d.original_name, d.work_item_id) for d in copy.attachments.all()) == [
        ("cours.pdf", None),
        ("exercices.pdf", item.pk),
    ]
    assert len({d.file.name for d in EntryAttachment.objects.all()}) == 2


def test_copy_is_refused_to_others_and_to_classes_not_taught(two_classes, login):
    a = two_classes.a
    [entry] = write(a.teacher, [a.class_a])
    data = {"targets": [f"classe:{a.class_b.code}"], "lesson_date": today()}
    response = login(a.direction).post(copy_url(entry), data)
    assert response.status_code == 403
    assert login(two_classes.b.teacher).post(copy_url(entry), data).status_code == 404
    data["targets"] = [f"classe:{two_classes.b.class_a.code}"]
    response = login(a.teacher).post(copy_url(entry), data)
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert LogEntry.objects.count() == 1


def test_copy_with_a_date_putting_work_in_the_past_is_refused(two_classes, login):
    a = two_classes.a
    [entry] = write(a.teacher, [a.class_a])
    data = {"targets": [f"classe:{a.class_b.code}"], "lesson_date": today() - timedelta(days=5)}
    response = login(a.teacher).post(copy_url(entry), data)
    assert response.status_code == 200
    assert "est passé" in response.content.decode()
    assert LogEntry.objects.count() == 1


def test_the_author_deletes_an_entry_and_shared_files_stay(two_classes, login):
    a = two_classes.a
    first, second = write(a.teacher, [a.class_a, a.class_b], files=[pdf("cours.pdf")])
    name = first.attachments.get().file.name
    storage = EntryAttachment._meta.get_field("file").storage
    url = reverse("homework:delete-entry", kwargs={"code": first.code})
    client = login(a.teacher)
    assert client.get(url).status_code == 200
    assert login(a.other_teacher).post(url).status_code == 403
    assert login(a.teacher).post(url).status_code == 302
    assert not LogEntry.objects.filter(pk=first.pk).exists()
    assert WorkItem.objects.filter(entry=second).exists()
    assert storage.exists(name)  # the copy in 2nde B still uses it


def test_deleting_the_last_entry_using_a_file_removes_it(
    cast, login, django_capture_on_commit_callbacks
):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a], files=[pdf("cours.pdf")])
    name = entry.attachments.get().file.name
    storage = EntryAttachment._meta.get_field("file").storage
    url = reverse("homework:delete-entry", kwargs={"code": entry.code})
    with django_capture_on_commit_callbacks(execute=True):
        login(a.teacher).post(url)
    assert not storage.exists(name)
