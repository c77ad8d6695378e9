"""The entry services: checks refuse before anything is written, writes keep their promises."""

import pytest
from django.core.exceptions import ValidationError

from lien.homework import services
from lien.homework.models import EntryAttachment, LogEntry, WorkItem
from lien.homework.tests.helpers import PDF, in_days, pdf, subject_of, today, write
from lien.messaging.attachments import CheckedFile

pytestmark = pytest.mark.django_db


def draft(teacher, **fields):
    values = {
        "subject": subject_of(teacher),
        "lesson_date": today(),
        "content": "Cours",
        "visible_from": today(),
    }
    values.update(fields)
    return services.EntryDraft(**values)


def test_copy_to_two_classes_makes_two_independent_entries(two_classes):
    a = two_classes.a
    first, second = write(a.teacher, [a.class_a, a.class_b], files=[pdf()])
    assert (first.school_class, second.school_class) == (a.class_a, a.class_b)
    assert first.work_items.get().school_class == a.class_a
    assert second.work_items.get().school_class == a.class_b
    services.do_update_entry(
        a.teacher.user,
        second,
        draft(a.teacher, content="Seulement en 2nde B"),
        [],
    )
    first.refresh_from_db()
    assert first.content == "Chapitre 3 : les fonctions affines."
    assert EntryAttachment.objects.count() == 2


def test_another_teacher_cannot_update_or_delete_an_entry(cast):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a])
    for teacher in (a.group_teacher, a.other_teacher):
        with pytest.raises(services.Refused, match="Seul l'auteur de cette séance"):
            services.do_update_entry(teacher.user, entry, draft(a.teacher, content="Piraté"), [])
        with pytest.raises(services.Refused):
            services.do_delete_entry(teacher.user, entry)
    entry.refresh_from_db()
    assert entry.content == "Chapitre 3 : les fonctions affines."


def test_a_teacher_cannot_write_for_another_school(cast):
    a, b = cast.a, cast.b
    with pytest.raises(services.Refused, match="Vous n'enseignez pas"):
        write(a.teacher, [b.class_a])
    assert not LogEntry.objects.exists()


def test_a_past_year_is_refused(world):
    a = world.a
    with pytest.raises(services.Refused, match="2025-2026 est archivée"):
        write(a.teacher, [a.past_class], lesson=a.past_year.starts_on, works=())
    assert not LogEntry.objects.exists()


def test_every_problem_is_reported_at_once(cast):
    a = cast.a
    works = [
        services.WorkDraft("Avant", in_days(-1), 10),
        services.WorkDraft("Trop long", in_days(2), 999),
    ]
    with pytest.raises(ValidationError) as error:
        services.do_create_entries(a.teacher.user, a.teacher, [a.class_a], draft(a.teacher), works)
    assert len(error.value.messages) == 2
    assert "« Avant »" in error.value.messages[0]
    assert "entre 0 et 480 minutes" in error.value.messages[1]
    assert not LogEntry.objects.exists() and not WorkItem.objects.exists()


def test_a_lesson_outside_the_school_year_is_refused(cast):
    a = cast.a
    with pytest.raises(ValidationError, match="dans l'année scolaire"):
        write(a.teacher, [a.class_a], lesson=in_days(300), works=())


def test_a_crisis_lowers_the_largest_file(cast, monkeypatch):
    a = cast.a
    monkeypatch.setattr(services, "max_upload_bytes", lambda establishment, default: 10)
    big = CheckedFile(pdf(), "cours.pdf", len(PDF), "application/pdf")
    with pytest.raises(ValidationError, match="« cours.pdf » est trop lourd"):
        services.do_create_entries(
            a.teacher.user, a.teacher, [a.class_a], draft(a.teacher, files=[big]), []
        )
    assert not EntryAttachment.objects.exists()


def test_too_many_files_in_all_are_refused(cast, settings):
    settings.LIEN_MESSAGE_MAX_FILES = 2
    a = cast.a
    files = [CheckedFile(pdf(), f"f{n}.pdf", len(PDF), "application/pdf") for n in range(3)]
    with pytest.raises(ValidationError, match="au plus 2 fichiers"):
        services.do_create_entries(
            a.teacher.user, a.teacher, [a.class_a], draft(a.teacher, files=files), []
        )


def test_a_failed_write_removes_the_files_it_stored(cast, monkeypatch, media_root):
    a = cast.a

    def fail(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(services, "_attach", fail)
    with pytest.raises(RuntimeError):
        write(a.teacher, [a.class_a], files=[pdf()])
    assert not LogEntry.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_pupil_cannot_tick_another_classs_work(cast):
    a = cast.a
    [entry] = write(a.other_teacher, [a.class_b])
    with pytest.raises(services.Refused, match="pas dans votre liste"):
        services.do_tick(a.student.user, a.student, entry.work_items.get(), True)
    with pytest.raises(services.Refused, match="Seul l'élève"):
        services.do_tick(a.parent.user, a.sibling, entry.work_items.get(), True)


def test_writes_refresh_the_home_pages_of_the_pupils_and_parents(two_classes, monkeypatch):
    from lien.homework import services as homework_services

    a = two_classes.a
    touched: list[set[int]] = []
    monkeypatch.setattr(homework_services.fragments, "touch", lambda ids: touched.append(set(ids)))
    [entry] = write(a.teacher, [a.class_a])
    families = {p.user_id for p in (a.student, a.classmate, a.parent, a.classmate_parent)}
    assert touched == [families]
    services.do_tick(a.student.user, a.student, entry.work_items.get(), True)
    assert touched[-1] == {a.student.user_id, a.parent.user_id}
    write(a.group_teacher, [a.group])
    assert touched[-1] == {a.student.user_id, a.parent.user_id}


def test_only_web_links_are_shown():
    from lien.homework.models import LogEntry

    entry = LogEntry(links="Vidéo https://example.org/v\njavascript:alert(1)\n\nhttp://a.fr")
    assert entry.link_list() == [("Vidéo", "https://example.org/v"), ("http://a.fr", "http://a.fr")]
