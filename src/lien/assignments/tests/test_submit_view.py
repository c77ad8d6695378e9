"""Handing in from the browser (/devoirs/<code>/rendre/), then the receipt."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse

from lien.assignments.models import Submission
from lien.assignments.tests.fixtures import (
    PDF,
    hand_in,
    move_deadline,
    page_text,
    pdf,
    set_assignment,
    stored_paths,
)
from lien.messaging.tests import attachment_fixtures as samples
from lien.tests.world import resolve


@pytest.fixture
def assignment(cast):
    return set_assignment(cast.a.teacher, cast.a.class_a, accepts_text=True)


def url(assignment):
    return reverse("assignments:submit", args=[assignment.code])


def test_a_pupil_hands_in_files_and_text_and_gets_the_receipt(cast, login, assignment):
    client = login(cast.a.student)
    assert client.get(url(assignment)).status_code == 200
    response = client.post(
        url(assignment),
        {"text": "Voici mon travail.", "uploads": [pdf("Partie 1.pdf"), pdf("Partie 2.pdf")]},
    )
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assignments:receipt", args=[submission.code])
    receipt = client.get(response["Location"])
    page = page_text(receipt)
    assert "Votre devoir est rendu. Voici votre reçu." in page
    assert submission.receipt_code in page
    for stored in submission.files.all():
        assert stored.original_name in page
        assert stored.sha256[:12] in page
    assert (submission.student, submission.text) == (cast.a.student, "Voici mon travail.")


def test_a_large_file_kept_on_disk_while_uploading_is_stored_whole(
    cast, login, assignment, media_root
):
    """Over FILE_UPLOAD_MAX_MEMORY_SIZE Django receives the file in a temporary file, which
    the storage moves rather than copies: it is still read back and checked."""
    data = PDF + bytes(range(256)) * (3 * 4096)  # 3 MB
    response = login(cast.a.student).post(url(assignment), {"uploads": [pdf("Scan.pdf", data)]})
    assert response.status_code == 302
    stored = Submission.objects.get().files.get()
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert (media_root / stored.file.name).read_bytes() == data


def test_a_forged_student_field_changes_nothing_the_pupil_hands_in_for_themselves(
    cast, login, assignment
):
    response = login(cast.a.student).post(
        url(assignment),
        {"uploads": [pdf()], "student": str(cast.a.classmate.code)},
    )
    assert response.status_code == 302
    assert Submission.objects.get().student == cast.a.student
    assert not Submission.objects.filter(student=cast.a.classmate).exists()


def test_a_resubmission_form_offers_the_previous_text_and_files(cast, login, assignment):
    previous = hand_in(cast.a.student, assignment, text="Version 1", uploads=[pdf("A.pdf")])
    response = login(cast.a.student).get(url(assignment))
    form = response.context["form"]
    assert form.initial["text"] == "Version 1"
    assert form.initial["kept_files"] == [str(previous.files.get().code)]
    response = login(cast.a.student).post(
        url(assignment),
        {"text": "Version 2", "kept_files": [str(previous.files.get().code)]},
    )
    assert response.status_code == 302
    latest = Submission.objects.get(is_latest=True)
    assert (latest.version, latest.text, [f.original_name for f in latest.files.all()]) == (
        2,
        "Version 2",
        ["A.pdf"],
    )


def test_an_empty_hand_in_shows_an_error_and_saves_nothing(cast, login, assignment):
    response = login(cast.a.student).post(url(assignment), {"text": "  "})
    assert response.status_code == 200
    assert (
        "Votre dépôt est vide : joignez au moins un fichier ou écrivez votre réponse."
        in page_text(response)
    )
    assert not Submission.objects.exists()


def test_a_refused_file_keeps_the_typed_answer_and_stores_nothing(cast, login, assignment):
    response = login(cast.a.student).post(
        url(assignment),
        {"text": "Ma longue réponse", "uploads": [pdf("page.html", samples.HTML)]},
    )
    assert response.status_code == 200
    page = page_text(response)
    assert "Le fichier « page.html » n'est pas d'un type accepté" in page
    assert "Ma longue réponse" in page
    assert not Submission.objects.exists()
    assert stored_paths() == set()


def test_an_oversized_file_is_refused(cast, login, assignment, settings):
    settings.LIEN_ASSIGNMENT_MAX_FILE_MB = 1
    response = login(cast.a.student).post(
        url(assignment), {"uploads": [pdf("Scan.pdf", PDF + b"0" * 1024 * 1024)]}
    )
    assert "est trop lourd" in page_text(response)
    assert not Submission.objects.exists()
    assert stored_paths() == set()


def test_after_the_deadline_the_page_says_so_and_a_post_is_refused(cast, login, assignment):
    before = hand_in(cast.a.student, assignment, uploads=[pdf()])
    move_deadline(assignment, -timedelta(minutes=5))
    client = login(cast.a.student)
    page = page_text(client.get(url(assignment)))
    assert "La date limite est passée" in page
    assert "Rendre le devoir" not in page
    response = client.post(url(assignment), {"uploads": [pdf("Retard.pdf", PDF + b"r")]})
    assert response.status_code == 200
    assert "n'accepte pas les dépôts en retard" in page_text(response)
    assert list(Submission.objects.all()) == [before]


def test_a_parent_is_told_only_the_pupil_hands_in(cast, login, assignment):
    client = login(cast.a.parent)
    response = client.get(url(assignment))
    assert response.status_code == 403
    assert "Seul l'élève dépose son devoir" in page_text(response)
    response = client.post(url(assignment), {"text": "Fait par papa", "uploads": [pdf()]})
    assert response.status_code == 403
    assert not Submission.objects.exists()
    assert stored_paths() == set()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.sibling", 403),  # 2nde B: not set for them
        ("a.classmate_parent", 403),
        ("a.teacher", 403),
        ("a.other_teacher", 403),
        ("a.direction", 403),
        ("b.student", 404),
        ("b.parent", 404),
        ("c.student", 404),
    ],
)
def test_nobody_else_hands_in(cast, login, assignment, who, status):
    response = login(resolve(cast, who)).post(url(assignment), {"uploads": [pdf()], "text": "x"})
    assert response.status_code == status
    assert not Submission.objects.exists()


def receipt_url(submission):
    return reverse("assignments:receipt", args=[submission.code])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.student", 200),
        ("a.parent", 200),
        ("a.teacher", 200),
        ("a.classmate", 404),
        ("a.classmate_parent", 404),
        ("a.other_teacher", 404),
        ("a.direction", 404),
        ("a.tutor", 404),
        ("b.parent", 404),
        ("c.direction", 404),
        ("operator", 404),
    ],
)
def test_who_reads_a_receipt(cast, login, assignment, who, status):
    submission = hand_in(cast.a.student, assignment, uploads=[pdf("Exposé.pdf")])
    response = login(resolve(cast, who)).get(receipt_url(submission))
    assert response.status_code == status
    if status == 200:
        page = page_text(response)
        assert submission.receipt_code in page
        assert "Exposé.pdf" in page


def test_a_written_answer_only_assignment_offers_no_file_input(cast, login):
    assignment = set_assignment(
        cast.a.teacher, cast.a.class_a, accepts_files=False, accepts_text=True
    )
    client = login(cast.a.student)
    page = page_text(client.get(url(assignment)))
    assert 'type="file"' not in page
    assert "Votre réponse" in page
    response = client.post(url(assignment), {"text": "La Loire est le plus long fleuve."})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert (submission.text, submission.files.count()) == ("La Loire est le plus long fleuve.", 0)
    assert "33 caractères" in page_text(client.get(receipt_url(submission)))
