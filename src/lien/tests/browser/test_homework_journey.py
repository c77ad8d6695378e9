"""The cahier de textes in Chromium, on a phone-sized screen: a teacher writes a lesson with
homework for two classes at once; a pupil of one class finds it in their to-do list and ticks it;
the teacher then sees how many pupils ticked it (never who); a pupil of the other class ticks
their own copy; the pupil's calendar feed parses."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from lien.core.models import TeachingAssignment
from lien.homework.models import CalendarFeed, LogEntry, WorkDone
from lien.tests.browser.conftest import PHONE, SCREENSHOTS
from lien.tests.browser.test_role_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def school(cast):
    """School A with its year around today, and its teacher teaching 2nde A and 2nde B."""
    a = cast.a
    today = timezone.localdate()
    a.year.starts_on, a.year.ends_on = today - timedelta(days=60), today + timedelta(days=200)
    a.year.save()
    TeachingAssignment.objects.create(teacher=a.teacher, subject=a.subject, school_class=a.class_b)
    return a


def test_a_teacher_gives_homework_to_two_classes_and_a_pupil_ticks_it(
    page, other_page, live_server, school, screenshot
):
    server = live_server.url
    due = timezone.localdate() + timedelta(days=2)

    # The teacher writes the lesson once, for 2nde A and 2nde B.
    log_in(page, live_server, school.teacher.user.username)
    page.wait_for_url(f"{server}/accueil/")
    page.goto(f"{server}/cahier-de-textes/seances/nouvelle/")
    page.get_by_label("2nde A").check()
    page.get_by_label("2nde B").check()
    page.get_by_label("Titre de la séance").fill("Fonctions affines")
    page.get_by_label("Contenu de la séance").fill("Définition, représentation graphique.")
    page.locator('[name="travail-0-title"]').fill("Exercices 4 et 5 page 52")
    page.locator('[name="travail-0-instructions"]').fill("Rédiger proprement.")
    page.locator('[name="travail-0-due_date"]').fill(due.isoformat())
    page.locator('[name="travail-0-estimated_minutes"]').fill("30")
    page.get_by_role("button", name="Voir la charge de travail").click()
    assert "ce travail" in page.locator("main").inner_text()  # the load table, nothing saved
    assert not LogEntry.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("homework-entry-form-phone")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{server}/cahier-de-textes/classes/{school.class_a.code}/**")
    assert "Séance enregistrée pour 2nde A, 2nde B." in page.get_by_role("status").inner_text()
    assert LogEntry.objects.count() == 2
    screenshot("homework-class-week-phone")

    # A pupil of 2nde A finds it in the to-do list and ticks it.
    pupil = other_page()
    log_in(pupil, live_server, school.student.user.username)
    pupil.wait_for_url(f"{server}/accueil/")
    pupil.goto(f"{server}/cahier-de-textes/a-faire/")
    item = pupil.locator("li.card", has_text="Exercices 4 et 5 page 52")
    assert "Mathématiques" in item.inner_text()
    assert "30 min" in item.inner_text()
    item.get_by_role("button", name="J'ai fait ce travail").click()
    pupil.wait_for_url(f"{server}/cahier-de-textes/a-faire/**")
    item = pupil.locator("li.card", has_text="Exercices 4 et 5 page 52")
    assert "Fait" in item.inner_text()
    assert item.get_by_role("button", name="Décocher").count() == 1
    assert pupil.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    pupil.screenshot(path=str(SCREENSHOTS / "homework-todo-phone.png"), full_page=True)
    assert WorkDone.objects.get().student == school.student

    # The teacher sees a count, not a name.
    entry = LogEntry.objects.get(school_class=school.class_a)
    page.goto(f"{server}/cahier-de-textes/seances/{entry.code}/")
    main = page.locator("main").inner_text()
    assert "1 élève sur 2 a fait ce travail" in main
    assert school.student.user.last_name not in main

    # A pupil of 2nde B has the same work in their own list.
    other = other_page()
    log_in(other, live_server, school.other_class_student.user.username)
    other.wait_for_url(f"{server}/accueil/")
    other.goto(f"{server}/cahier-de-textes/a-faire/")
    other_item = other.locator("li.card", has_text="Exercices 4 et 5 page 52")
    assert other_item.get_by_role("button", name="J'ai fait ce travail").count() == 1

    # The pupil's calendar address parses as iCalendar.
    pupil.goto(f"{server}/cahier-de-textes/agenda/")
    address = pupil.get_by_label("Adresse de l'agenda").input_value()
    assert address.startswith(f"{server}/cahier-de-textes/agenda/")
    feed = CalendarFeed.objects.get(owner=school.student)
    response = pupil.request.get(address)
    assert response.status == 200
    [event] = Calendar.from_ical(response.body()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Mathématiques : Exercices 4 et 5 page 52"
    assert event.decoded("DTSTART") == due
    assert feed.token in address
