"""Handing in: versions, deadlines, refused files, and nothing half-stored on a failure."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage

from lien.admission import services as admission
from lien.admission.services import CrisisSettings
from lien.assignments import services
from lien.assignments.models import Submission, SubmissionFile
from lien.assignments.tests.fixtures import (
    PDF,
    PNG,
    hand_in,
    move_deadline,
    pdf,
    set_assignment,
    stored_paths,
    upload,
)
from lien.messaging.tests import attachment_fixtures as samples

MB = 1024 * 1024


@pytest.fixture
def assignment(cast):
    return set_assignment(cast.a.teacher, cast.a.class_a, accepts_text=True)


def test_a_hand_in_is_stored_with_its_receipt(cast, assignment, media_root):
    submission = hand_in(
        cast.a.student,
        assignment,
        text="Ma réponse.",
        uploads=[pdf("../../Exercice 12.pdf"), upload("photo.exe", PNG)],
    )
    assert (submission.version, submission.is_latest, submission.is_late) == (1, True, False)
    assert submission.student == cast.a.student
    assert submission.text == "Ma réponse."
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", submission.receipt_code)
    first, second = submission.files.order_by("pk")
    assert (first.original_name, first.content_type, first.size) == (
        "Exercice 12.pdf",
        "application/pdf",
        len(PDF),
    )
    # The type comes from the content: a PNG named .exe is stored and named as a PNG.
    assert (second.original_name, second.content_type) == ("photo.exe.png", "image/png")
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.file.name.startswith("assignments/")
    assert Path(media_root, first.file.name).read_bytes() == PDF
    assert stored_paths() == {first.file.name, second.file.name}


def test_a_new_hand_in_replaces_the_previous_one_which_stays_in_the_history(
    cast, assignment, media_root
):
    first = hand_in(cast.a.student, assignment, uploads=[pdf("Brouillon.pdf")])
    second = hand_in(cast.a.student, assignment, uploads=[pdf("Propre.pdf", PDF + b"%v2")])
    first.refresh_from_db()
    assert (first.version, first.is_latest) == (1, False)
    assert (second.version, second.is_latest) == (2, True)
    assert first.receipt_code != second.receipt_code
    assert [f.original_name for f in first.files.all()] == ["Brouillon.pdf"]
    assert [f.original_name for f in second.files.all()] == ["Propre.pdf"]
    assert Path(media_root, first.files.get().file.name).read_bytes() == PDF
    assert services.latest_submission(assignment, cast.a.student) == second
    assert [s.version for s in services.history(assignment, cast.a.student)] == [2, 1]


def test_files_of_the_previous_version_can_be_kept(cast, assignment):
    first = hand_in(cast.a.student, assignment, uploads=[pdf("Page 1.pdf")])
    kept = first.files.get()
    second = hand_in(
        cast.a.student, assignment, uploads=[pdf("Page 2.pdf", PDF + b"2")], kept=[kept.code]
    )
    names = sorted(f.original_name for f in second.files.all())
    assert names == ["Page 1.pdf", "Page 2.pdf"]
    copy = second.files.get(original_name="Page 1.pdf")
    assert (copy.file.name, copy.sha256) == (kept.file.name, kept.sha256)  # stored once
    assert copy.code != kept.code


def test_another_pupils_file_cannot_be_kept(cast, assignment):
    theirs = hand_in(cast.a.classmate, assignment, uploads=[pdf()]).files.get()
    hand_in(cast.a.student, assignment, uploads=[pdf()])
    with pytest.raises(ValidationError) as refused:
        hand_in(cast.a.student, assignment, text="v2", kept=[theirs.code])
    assert "a changé depuis l'ouverture de cette page" in refused.value.messages[0]
    assert Submission.objects.filter(student=cast.a.student).count() == 1


def test_an_empty_hand_in_is_refused(cast, assignment):
    with pytest.raises(ValidationError) as refused:
        hand_in(cast.a.student, assignment, text="   \n ")
    assert refused.value.messages == [
        "Votre dépôt est vide : joignez au moins un fichier ou écrivez votre réponse."
    ]
    assert not Submission.objects.exists()


def test_text_is_refused_when_only_files_are_expected_and_files_when_only_text(cast):
    files_only = set_assignment(cast.a.teacher, cast.a.class_a, title="Photo du TP")
    text_only = set_assignment(
        cast.a.teacher, cast.a.class_a, title="Rédaction", accepts_files=False, accepts_text=True
    )
    with pytest.raises(ValidationError, match="attend des fichiers, pas de réponse écrite"):
        hand_in(cast.a.student, files_only, text="Voici")
    with pytest.raises(ValidationError, match="attend une réponse écrite, pas de fichier"):
        hand_in(cast.a.student, text_only, uploads=[pdf()])
    assert not Submission.objects.exists()


def test_after_the_deadline_a_hand_in_is_refused_and_the_previous_one_kept(cast, assignment):
    before = hand_in(cast.a.student, assignment, uploads=[pdf()])
    paths = stored_paths()
    move_deadline(assignment, -timedelta(minutes=1))
    with pytest.raises(ValidationError) as refused:
        hand_in(cast.a.student, assignment, uploads=[pdf("Nouvelle.pdf", PDF + b"x")])
    assert "n'accepte pas les dépôts en retard" in refused.value.messages[0]
    assert "reste enregistré" in refused.value.messages[0]
    before.refresh_from_db()
    assert before.is_latest
    assert list(Submission.objects.all()) == [before]
    assert stored_paths() == paths


def test_a_late_hand_in_is_accepted_and_marked_late_when_allowed(cast):
    assignment = set_assignment(cast.a.teacher, cast.a.class_a, late_submissions_allowed=True)
    move_deadline(assignment, -timedelta(hours=2))
    submission = hand_in(cast.a.student, assignment, uploads=[pdf()])
    assert submission.is_late is True
    assert services.status_of(assignment, submission, assignment.deadline) == services.Status.LATE


def test_a_deadline_passing_while_the_files_upload_refuses_and_removes_them(cast, assignment):
    """The check passed before the upload ended; the deadline is read again at the commit."""
    checked = services.files.check_uploads(
        [pdf()], services.files.limits_for(assignment.establishment)
    )
    move_deadline(assignment, -timedelta(seconds=1))
    with pytest.raises(ValidationError, match="La date limite"):
        services.do_submit(cast.a.student, assignment, "", checked, [])
    assert not Submission.objects.exists()
    assert stored_paths() == set()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("page.html", samples.HTML, "n'est pas d'un type accepté"),
        ("image.svg", samples.SVG, "n'est pas d'un type accepté"),
        ("jeu.exe", samples.EXE, "n'est pas d'un type accepté"),
        ("macros.xlsm", samples.XLSM, "n'est pas d'un type accepté"),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_a_refused_file_refuses_the_whole_hand_in_and_stores_nothing(
    cast, assignment, name, data, expected
):
    with pytest.raises(ValidationError) as refused:
        hand_in(cast.a.student, assignment, uploads=[pdf("Bon.pdf"), upload(name, data)])
    [message] = refused.value.messages
    assert expected in message
    assert f"« {name} »" in message
    assert not Submission.objects.exists()
    assert stored_paths() == set()


def test_an_oversized_file_is_refused_with_the_limit(cast, assignment, settings):
    settings.LIEN_ASSIGNMENT_MAX_FILE_MB = 1
    big = upload("Scan.pdf", PDF + b"0" * MB)
    with pytest.raises(ValidationError) as refused:
        hand_in(cast.a.student, assignment, uploads=[big])
    assert refused.value.messages == [
        "Le fichier « Scan.pdf » est trop lourd (1,0 Mo, 1,0 Mo au plus)."
    ]
    assert stored_paths() == set()
    assert not Submission.objects.exists()


def test_too_many_files_or_megabytes_are_refused(cast, assignment, settings):
    settings.LIEN_ASSIGNMENT_MAX_FILES = 2
    settings.LIEN_ASSIGNMENT_MAX_TOTAL_MB = 1
    with pytest.raises(ValidationError, match="pas déposer plus de 2 fichiers"):
        hand_in(cast.a.student, assignment, uploads=[pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf")])
    half = PDF + b"0" * (MB // 2)
    with pytest.raises(ValidationError, match="pèsent 1,0 Mo au total, 1,0 Mo au plus"):
        hand_in(cast.a.student, assignment, uploads=[pdf("1.pdf", half), pdf("2.pdf", half)])
    assert stored_paths() == set()


def test_a_crisis_mode_lowers_the_size_limit(cast, assignment):
    admission.check_start_crisis(
        cast.a.direction.user,
        cast.a.establishment,
        CrisisSettings(reason="Fermeture des écoles", max_upload_mb=1),
    )
    with pytest.raises(ValidationError, match=r"trop lourd \(1,5 Mo, 1,0 Mo au plus\)"):
        hand_in(cast.a.student, assignment, uploads=[pdf("Scan.pdf", PDF + b"0" * (3 * MB // 2))])
    # Another establishment keeps the usual limit.
    other = set_assignment(cast.b.teacher, cast.b.class_a)
    assert hand_in(cast.b.student, other, uploads=[pdf("Scan.pdf", PDF + b"0" * (3 * MB // 2))])


def test_a_storage_failure_on_the_second_file_leaves_nothing_half_stored(
    cast, assignment, monkeypatch
):
    previous = hand_in(cast.a.student, assignment, uploads=[pdf("Version 1.pdf")])
    paths_before = stored_paths()
    real_save = FileSystemStorage._save
    calls = []

    def failing_save(storage, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_save(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    with pytest.raises(OSError):
        hand_in(
            cast.a.student, assignment, uploads=[pdf("A.pdf"), pdf("B.pdf", PDF + b"b")], text="x"
        )
    assert len(calls) == 2
    assert stored_paths() == paths_before  # the first new file was removed again
    previous.refresh_from_db()
    assert previous.is_latest
    assert list(Submission.objects.all()) == [previous]
    assert [f.original_name for f in previous.files.all()] == ["Version 1.pdf"]


def test_a_file_stored_differently_from_what_was_received_is_refused(cast, assignment, monkeypatch):
    real_save = FileSystemStorage._save

    def corrupting_save(storage, name, content):
        from django.core.files.base import ContentFile

        return real_save(storage, name, ContentFile(b"%PDF-1.4 truncated"))

    monkeypatch.setattr(FileSystemStorage, "_save", corrupting_save)
    with pytest.raises(OSError, match="differs from the upload"):
        hand_in(cast.a.student, assignment, uploads=[pdf()])
    assert stored_paths() == set()
    assert not Submission.objects.exists()


def test_a_failure_saving_the_rows_removes_the_files_and_keeps_the_previous_version(
    cast, assignment, monkeypatch
):
    previous = hand_in(cast.a.student, assignment, uploads=[pdf("Version 1.pdf")])
    paths_before = stored_paths()

    def failing_bulk_create(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(SubmissionFile.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(RuntimeError):
        hand_in(cast.a.student, assignment, uploads=[pdf("Version 2.pdf", PDF + b"2")])
    assert stored_paths() == paths_before
    previous.refresh_from_db()
    assert previous.is_latest
    assert Submission.objects.count() == 1


def test_a_clash_with_a_simultaneous_hand_in_is_refused_cleanly(cast, assignment, monkeypatch):
    """A double click: the second request's rows clash with the first's (here: on the receipt
    code's uniqueness); its files are removed and it says so."""
    first = hand_in(cast.a.student, assignment, uploads=[pdf()])
    monkeypatch.setattr(services, "_unused_receipt_code", lambda: first.receipt_code)
    paths_before = stored_paths()
    with pytest.raises(ValidationError, match="vient d'être enregistré au même moment"):
        hand_in(cast.a.student, assignment, uploads=[pdf("Autre.pdf", PDF + b"o")])
    assert stored_paths() == paths_before
    assert Submission.objects.get() == first


def test_a_parent_cannot_hand_in_for_their_child(cast, assignment):
    with pytest.raises(PermissionDenied) as refused:
        services.check_submit(
            cast.a.parent.user, assignment, services.Answer(text="x", uploads=[pdf()])
        )
    assert "Seul l'élève dépose son devoir" in str(refused.value)
    assert not Submission.objects.exists()
    assert stored_paths() == set()


@pytest.mark.parametrize("who", ["sibling", "other_class_student", "teacher", "direction"])
def test_nobody_else_hands_in(cast, assignment, who):
    with pytest.raises(PermissionDenied):
        services.check_submit(
            getattr(cast.a, who).user, assignment, services.Answer(text="x", uploads=[pdf()])
        )
    assert not Submission.objects.exists()


def test_a_pupil_of_another_school_cannot_hand_in(cast, assignment):
    with pytest.raises(PermissionDenied):
        hand_in(cast.b.student, assignment, uploads=[pdf()])
    assert not Submission.objects.exists()


def test_a_group_assignment_is_handed_in_by_the_groups_pupils_only(cast):
    assignment = set_assignment(cast.a.group_teacher, cast.a.group)
    assert hand_in(cast.a.student, assignment, uploads=[pdf()]).version == 1
    with pytest.raises(PermissionDenied):
        hand_in(cast.a.classmate, assignment, uploads=[pdf()])  # class A, not in the group
