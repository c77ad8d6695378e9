"""Writing a new entry, with its work to do, for one or several classes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lien.homework.models import EntryAttachment, LogEntry, WorkItem
from lien.homework.tests.forms_data import entry_post
from lien.homework.tests.helpers import PDF, in_days, today, write

pytestmark = pytest.mark.django_db
URL = reverse("homework:create-entry")


def test_a_teacher_writes_one_entry_with_homework_for_two_classes(two_classes, login):
    a = two_classes.a
    client = login(a.teacher)
    data = entry_post([a.class_a, a.class_b], a.subject)
    data["documents"] = SimpleUploadedFile("cours.pdf", PDF)
    data["travail-0-documents"] = SimpleUploadedFile("exercices.pdf", PDF)
    response = client.post(URL, data)
    assert response.status_code == 302
    entries = LogEntry.objects.order_by("school_class__name")
    assert [e.school_class for e in entries] == [a.class_a, a.class_b]
    assert {e.teacher for e in entries} == {a.teacher}
    items = WorkItem.objects.order_by("school_class__name")
    assert [(i.school_class, i.title, i.due_date, i.estimated_minutes) for i in items] == [
        (a.class_a, "Exercices 4 et 5 p. 52", in_days(2), 30),
        (a.class_b, "Exercices 4 et 5 p. 52", in_days(2), 30),
    ]
    # Each file is stored once, and each entry points to it.
    attachments = EntryAttachment.objects.all()
    assert attachments.count() == 4
    assert len({a.file.name for a in attachments}) == 2
    assert all(a.file.name.startswith("homework/") for a in attachments)
    follow = client.get(response.url)
    assert "Séance enregistrée pour 2nde A, 2nde B." in follow.content.decode()


def test_the_form_offers_only_the_teachers_classes(two_classes, login):
    a = two_classes.a
    text = login(a.teacher).get(URL).content.decode()
    assert "2nde A" in text and "2nde B" in text
    assert "LV2 Espagnol" not in text


def test_it_preselects_the_class_and_shows_its_workload(cast, login):
    a = cast.a
    write(a.teacher, [a.class_a], works=(("Rédaction", 3, 45),))
    response = login(a.teacher).get(f"{URL}?cible=classe:{a.class_a.code}")
    text = response.content.decode()
    assert "Charge de travail de 2nde A" in text
    assert "Rédaction (45 min)" in text


@pytest.mark.parametrize("who", ["a.student", "a.parent", "a.direction", "a.tutor", "operator"])
def test_only_teachers_write(cast, login, who):
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    client = login(profile)
    assert client.get(URL).status_code == 403
    response = client.post(URL, entry_post([cast.a.class_a], cast.a.subject))
    assert response.status_code == 403
    assert "Seuls les enseignants" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_a_teacher_cannot_write_for_a_class_they_do_not_teach(cast, login):
    a = cast.a
    response = login(a.teacher).post(URL, entry_post([a.class_b], a.subject))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    response = login(a.teacher).post(URL, entry_post([cast.b.class_a], a.subject))
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_a_subject_not_taught_to_the_class_is_refused(cast, login):
    from lien.core.models import Subject, TeachingAssignment

    a = cast.a
    physics = Subject.objects.create(establishment=a.establishment, name="Physique")
    TeachingAssignment.objects.create(teacher=a.teacher, subject=physics, school_class=a.class_b)
    response = login(a.teacher).post(URL, entry_post([a.class_b], a.subject))
    assert response.status_code == 200
    assert "Vous n&#x27;enseignez pas Mathématiques à 2nde B." in response.content.decode()
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("work", "message"),
    [
        (
            {"due_date": in_days(-1)},
            "avant la séance du",
        ),
        (
            {"estimated_minutes": "-10"},
            "Le temps estimé ne peut pas être négatif.",
        ),
        (
            {"estimated_minutes": "100000"},
            "Le temps estimé ne peut pas dépasser 480 minutes.",
        ),
        ({"due_date": "31/02/2027"}, "Saisissez une date valide."),
        ({"estimated_minutes": ""}, "Estimez le temps que ce travail demande"),
        ({"title": ""}, "Donnez un intitulé au travail à faire."),
        ({"due_date": in_days(400)}, "avant la fin de l&#x27;année scolaire"),
    ],
)
def test_bad_work_is_refused_with_a_clear_error_and_the_text_kept(cast, login, work, message):
    a = cast.a
    fields = {"title": "Exercices 4 et 5", "due_date": in_days(2), "estimated_minutes": "30"}
    fields.update(work)
    response = login(a.teacher).post(URL, entry_post([a.class_a], a.subject, works=[fields]))
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert "Cours : définition et représentation graphique." in text  # nothing typed is lost
    assert not LogEntry.objects.exists()


def test_work_due_in_the_past_is_refused(cast, login):
    a = cast.a
    data = entry_post(
        [a.class_a],
        a.subject,
        works=[{"title": "Exercice", "due_date": in_days(-2), "estimated_minutes": "20"}],
        lesson_date=in_days(-3).isoformat(),
        visible_from=in_days(-3).isoformat(),
    )
    response = login(a.teacher).post(URL, data)
    assert "est passé. Choisissez une date à venir." in response.content.decode()
    assert not LogEntry.objects.exists()


def test_work_visible_only_after_its_due_date_is_refused(cast, login):
    a = cast.a
    data = entry_post([a.class_a], a.subject, visible_from=in_days(5).isoformat())
    response = login(a.teacher).post(URL, data)
    assert "après la date où il est à faire" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_bad_links_are_refused(cast, login):
    a = cast.a
    data = entry_post([a.class_a], a.subject, links="Vidéo javascript:alert(1)")
    response = login(a.teacher).post(URL, data)
    assert "Ligne 1 : « Vidéo javascript:alert(1) » ne finit pas par une adresse web" in (
        response.content.decode()
    )
    assert not LogEntry.objects.exists()


def test_an_oversized_file_is_refused(cast, login, settings):
    settings.LIEN_MESSAGE_MAX_FILE_MB = 1
    a = cast.a
    data = entry_post([a.class_a], a.subject)
    data["documents"] = SimpleUploadedFile("gros.pdf", PDF + b"0" * (1024 * 1024))
    response = login(a.teacher).post(URL, data)
    text = response.content.decode()
    assert "Le fichier « gros.pdf » est trop lourd" in text
    assert "choisissez-les à nouveau" in text
    assert not LogEntry.objects.exists()
    assert not EntryAttachment.objects.exists()


def test_a_file_of_a_refused_type_is_refused(cast, login):
    a = cast.a
    data = entry_post([a.class_a], a.subject)
    data["travail-0-documents"] = SimpleUploadedFile("page.html", b"<html><script></script>")
    response = login(a.teacher).post(URL, data)
    assert "n&#x27;est pas d&#x27;un type accepté" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_an_empty_extra_work_form_is_ignored(cast, login):
    a = cast.a
    data = entry_post([a.class_a], a.subject)
    data["travail-TOTAL_FORMS"] = "2"
    response = login(a.teacher).post(URL, data)
    assert response.status_code == 302
    assert WorkItem.objects.count() == 1


def test_an_entry_without_work_to_do(cast, login):
    a = cast.a
    response = login(a.teacher).post(URL, entry_post([a.class_a], a.subject, works=[]))
    assert response.status_code == 302
    assert LogEntry.objects.count() == 1 and not WorkItem.objects.exists()


def test_the_preview_shows_the_load_with_this_work_and_saves_nothing(cast, login, settings):
    settings.LIEN_HOMEWORK_DAILY_MINUTES_WARNING = 60
    a = cast.a
    due = in_days(2) if in_days(2).weekday() != 6 else in_days(3)
    write(a.teacher, [a.class_a], works=(("Rédaction", (due - today()).days, 45),))
    works = [{"title": "Exercices", "due_date": due, "estimated_minutes": "30"}]
    data = entry_post([a.class_a], a.subject, works=works, apercu="1")
    response = login(a.teacher).post(URL, data)
    text = response.content.decode()
    assert "Exercices (30 min) <strong>ce travail</strong>" in text
    assert "75 minutes de travail, au-delà de 60 minutes." in text
    assert LogEntry.objects.count() == 1


def test_saving_on_an_overloaded_day_warns(cast, login, settings):
    settings.LIEN_HOMEWORK_DAILY_MINUTES_WARNING = 60
    a = cast.a
    due = in_days(2) if in_days(2).weekday() != 6 else in_days(3)
    write(a.teacher, [a.class_a], works=(("Rédaction", (due - today()).days, 45),))
    works = [{"title": "Exercices", "due_date": due, "estimated_minutes": "30"}]
    response = login(a.teacher).post(URL, entry_post([a.class_a], a.subject, works=works))
    assert response.status_code == 302
    text = login(a.teacher).get(response.url).content.decode()
    assert "Attention : 2nde A a 75 minutes de travail pour le" in text
