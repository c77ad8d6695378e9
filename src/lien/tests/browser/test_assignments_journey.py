"""Online assignments in Chromium, on a phone-sized screen: a pupil hands in a PDF and gets a
receipt; their parent finds the same receipt; the teacher sees who handed in and returns
feedback with a mark; the pupil reads it (and the message telling them)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lien.assignments import services
from lien.assignments.models import Submission
from lien.core.models import TeachingAssignment
from lien.tests.browser.conftest import PHONE, SCREENSHOTS, small_pdf
from lien.tests.browser.test_role_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE_NAME = "Exercices page 84.pdf"
ANSWERS = "Exercice 12 : x = 4. Exercice 13 : aire = 12 cm²."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_pupil_hands_in_the_parent_sees_the_receipt_the_teacher_returns_feedback(
    page, other_page, live_server, cast, screenshot
):
    server = live_server.url
    teaching = TeachingAssignment.objects.select_related(
        "teacher", "subject", "school_class", "group"
    ).get(teacher=cast.a.teacher, school_class=cast.a.class_a)
    assignment = services.check_save_assignment(
        cast.a.teacher.user,
        services.AssignmentData(
            teaching=teaching,
            title="Exercices 12 à 15 page 84",
            instructions="Rédigez au propre et déposez un PDF.",
            deadline=timezone.now() + timedelta(days=2),
        ),
    )

    # The pupil opens their assignments, hands in a PDF, and gets the receipt.
    log_in(page, live_server, cast.a.student.user.username)
    page.wait_for_url(f"{server}/accueil/")
    page.goto(f"{server}/devoirs/")
    page.get_by_role("link", name="Exercices 12 à 15 page 84").click()
    page.wait_for_url(f"{server}/devoirs/{assignment.code}/")
    assert "Rédigez au propre" in page.locator("main").inner_text()
    page.get_by_role("link", name="Rendre mon devoir").click()
    page.get_by_label("Vos fichiers").set_input_files(
        files=[
            {
                "name": FILE_NAME,
                "mimeType": "application/pdf",
                "buffer": small_pdf(ANSWERS),
            }
        ]
    )
    assert fits_the_phone(page)
    screenshot("assignments-submit-phone")
    page.get_by_role("button", name="Rendre le devoir").click()
    submission = Submission.objects.get(student=cast.a.student)
    page.wait_for_url(f"{server}/devoirs/depots/{submission.code}/recu/")
    receipt = page.locator("main").inner_text()
    assert "Votre devoir est rendu. Voici votre reçu." in receipt
    assert submission.receipt_code in receipt
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", submission.receipt_code)
    assert FILE_NAME in receipt
    assert submission.files.get().sha256[:12] in receipt
    assert fits_the_phone(page)
    screenshot("assignments-receipt-phone")

    # The parent finds the same receipt from their child's assignments.
    parent = other_page()
    log_in(parent, live_server, cast.a.parent.user.username)
    parent.wait_for_url(f"{server}/accueil/")
    parent.goto(f"{server}/devoirs/?enfant={cast.a.student.code}")
    parent.get_by_role("link", name="Exercices 12 à 15 page 84").click()
    assert "Rendu" in parent.locator("main").inner_text()
    assert parent.get_by_role("link", name="Rendre mon devoir").count() == 0
    parent.get_by_role("link", name="Voir le reçu").click()
    parent.wait_for_url(f"{server}/devoirs/depots/{submission.code}/recu/")
    parent_receipt = parent.locator("main").inner_text()
    assert submission.receipt_code in parent_receipt
    assert FILE_NAME in parent_receipt
    # A parent cannot hand in: the page says why.
    response = parent.goto(f"{server}/devoirs/{assignment.code}/rendre/")
    assert response.status == 403
    assert "Seul l'élève dépose son devoir" in parent.locator("main").inner_text()

    # The teacher sees who handed in and returns feedback with a mark.
    teacher = other_page()
    log_in(teacher, live_server, cast.a.teacher.user.username)
    teacher.wait_for_url(f"{server}/accueil/")
    teacher.goto(f"{server}/devoirs/")
    teacher.get_by_role("link", name="Exercices 12 à 15 page 84").click()
    teacher.wait_for_url(f"{server}/devoirs/{assignment.code}/suivi/")
    table = teacher.locator("table.tracking").inner_text()
    # a.student handed in; a.classmate has until the deadline.
    assert "Rendu" in table and "À rendre" in table and "Non rendu" not in table
    assert fits_the_phone(teacher)
    teacher.screenshot(path=str(SCREENSHOTS / "assignments-tracking-phone.png"), full_page=True)
    student_name = cast.a.student.user
    teacher.get_by_role("link", name=f"{student_name.last_name} {student_name.first_name}").click()
    teacher.wait_for_url(f"{server}/devoirs/depots/{submission.code}/")
    teacher.get_by_label("Appréciation").fill("Calculs justes ; soignez la rédaction.")
    teacher.get_by_label("Note sur 20 (facultative)").fill("15,5")
    teacher.get_by_role("button", name="Enregistrer le retour").click()
    teacher.wait_for_url(f"{server}/devoirs/depots/{submission.code}/")
    status = teacher.get_by_role("status").first.inner_text()
    assert "Retour enregistré." in status
    assert "L'élève et ses parents ont été prévenus par message." in status

    # The pupil is told by a message and reads the feedback.
    page.goto(f"{server}/devoirs/{assignment.code}/")
    assert page.locator("header .badge").text_content() == "1 non lu"
    main = page.locator("main").inner_text()
    assert "Calculs justes ; soignez la rédaction." in main
    assert "Note : 15,5 / 20" in main
    assert fits_the_phone(page)
    screenshot("assignments-feedback-phone")
