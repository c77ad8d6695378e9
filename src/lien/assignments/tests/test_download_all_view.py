"""Downloading every pupil's latest hand-in as one zip (/devoirs/<code>/telecharger/)."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from lien.admission import services as admission
from lien.admission.services import CrisisSettings
from lien.assignments.models import Submission
from lien.assignments.tests.fixtures import (
    PDF,
    PNG,
    hand_in,
    page_text,
    pdf,
    set_assignment,
    upload,
)
from lien.core.models import Enrolment, Profile
from lien.tests.factories import make_profile
from lien.tests.world import resolve


@pytest.fixture
def assignment(cast):
    return set_assignment(cast.a.teacher, cast.a.class_a, accepts_text=True)


def url(assignment):
    return reverse("assignments:download-all", args=[assignment.code])


def named(cast, who, last_name, first_name):
    user = getattr(cast.a, who).user
    user.last_name, user.first_name = last_name, first_name
    user.save(update_fields=["last_name", "first_name"])


def test_the_zip_holds_each_pupils_latest_files_under_their_name(cast, login, assignment):
    named(cast, "student", "Martin", "Léa")
    named(cast, "classmate", "Durand", "Hugo")
    hand_in(cast.a.student, assignment, uploads=[pdf("Ancienne version.pdf")])
    hand_in(
        cast.a.student,
        assignment,
        text="Réponse en ligne",
        uploads=[pdf("Copie.pdf", PDF + b"1"), upload("Copie.pdf", PNG)],
    )
    hand_in(cast.a.classmate, assignment, uploads=[pdf("Copie.pdf", PDF + b"2")])
    response = login(cast.a.teacher).get(url(assignment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "Durand Hugo/Copie.pdf",
        "Martin Léa/Copie.pdf",
        "Martin Léa/Copie.pdf.png",  # the PNG sent as "Copie.pdf" is named after its type
        "Martin Léa/Réponse écrite.txt",
    ]
    assert archive.read("Martin Léa/Copie.pdf") == PDF + b"1"
    assert archive.read("Durand Hugo/Copie.pdf") == PDF + b"2"
    assert archive.read("Martin Léa/Réponse écrite.txt").decode() == "Réponse en ligne"
    assert archive.testzip() is None
    # Dated when handed in (a zip keeps even seconds only).
    handed_in = timezone.localtime(Submission.objects.get(student=cast.a.classmate).submitted_at)
    *minute, second = handed_in.timetuple()[:6]
    assert archive.getinfo("Durand Hugo/Copie.pdf").date_time == (*minute, second // 2 * 2)


def test_two_pupils_with_the_same_name_get_two_folders_and_same_names_two_files(
    cast, login, assignment
):
    named(cast, "student", "Martin", "Léa")
    named(cast, "classmate", "Martin", "Léa")
    hand_in(cast.a.student, assignment, uploads=[pdf("TP.pdf"), pdf("TP.PDF", PDF + b"x")])
    hand_in(cast.a.classmate, assignment, uploads=[pdf("TP.pdf")])
    response = login(cast.a.teacher).get(url(assignment))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "Martin Léa (2)/TP.pdf",
        "Martin Léa/TP (2).PDF",
        "Martin Léa/TP.pdf",
    ]


def test_without_any_hand_in_the_teacher_is_told_so(cast, login, assignment):
    response = login(cast.a.teacher).get(url(assignment), follow=True)
    assert response.redirect_chain == [
        (reverse("assignments:tracking", args=[assignment.code]), 302)
    ]
    assert "Aucun élève n'a encore rendu ce devoir." in page_text(response)


def test_a_crisis_pausing_heavy_features_pauses_the_zip(cast, login, assignment):
    hand_in(cast.a.student, assignment, uploads=[pdf()])
    admission.check_start_crisis(
        cast.a.direction.user,
        cast.a.establishment,
        CrisisSettings(reason="Fermeture", heavy_features_paused=True),
    )
    response = login(cast.a.teacher).get(url(assignment))
    assert response.status_code == 503
    assert "Le téléchargement groupé est suspendu" in page_text(response)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.direction", 403),  # staff read the table, not the pupils' files
        ("a.other_teacher", 403),
        ("a.student", 403),
        ("a.parent", 403),
        ("b.teacher", 404),
        ("c.direction", 404),
    ],
)
def test_nobody_else_downloads_it(cast, login, assignment, who, status):
    hand_in(cast.a.student, assignment, uploads=[pdf()])
    assert login(resolve(cast, who)).get(url(assignment)).status_code == status


def test_every_pupils_folder_is_in_the_zip(cast, login, assignment):
    for number in range(5):
        student = make_profile(Profile.Role.STUDENT, cast.a.establishment)
        Enrolment.objects.create(
            student=student, school_class=cast.a.class_a, school_year=cast.a.year
        )
        hand_in(student, assignment, uploads=[pdf(f"Copie {number}.pdf", PDF + bytes([number]))])
    response = login(cast.a.teacher).get(url(assignment))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 5
    assert len({name.split("/")[0] for name in archive.namelist()}) == 5
