"""The files of online assignments: checking uploads, storing them, zipping a whole class's work.

The type checks are messaging's (`lien.messaging.attachments`: the type is read from the bytes,
names are cleaned); the limits are the assignments' own (`LIEN_ASSIGNMENT_MAX_*`), lowered by a
crisis mode (`lien.admission.services.max_upload_bytes`).

A file is written under a random name, read back and compared with what was received before
its row is saved; whoever stores files removes them again if the rows are not committed.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import Storage
from django.utils import timezone
from django.utils.translation import gettext as _

from lien.admission.services import max_upload_bytes
from lien.assignments.models import Assignment, Submission, SubmissionFile
from lien.core.models import Establishment
from lien.messaging.attachments import (
    EXTENSIONS,
    MEGABYTE,
    clean_file_name,
    format_size,
    sniff,
)

logger = logging.getLogger(__name__)

ACCEPTED_TYPES_TEXT = (
    "PDF, images (JPEG, PNG, GIF, WebP), documents bureautiques (Word, Excel, PowerPoint, "
    "LibreOffice), texte, CSV et audio (MP3, M4A)"
)


@dataclass(frozen=True)
class UploadLimits:
    max_files: int
    max_file_bytes: int
    max_total_bytes: int


def limits_for(establishment: Establishment) -> UploadLimits:
    """This establishment's limits now (smaller during a crisis)."""
    return UploadLimits(
        max_files=settings.LIEN_ASSIGNMENT_MAX_FILES,
        max_file_bytes=max_upload_bytes(
            establishment, settings.LIEN_ASSIGNMENT_MAX_FILE_MB * MEGABYTE
        ),
        max_total_bytes=max_upload_bytes(
            establishment, settings.LIEN_ASSIGNMENT_MAX_TOTAL_MB * MEGABYTE
        ),
    )


@dataclass
class CheckedUpload:
    """An uploaded file that passed the checks, with its cleaned name, type and digest."""

    file: File
    name: str
    size: int
    content_type: str
    sha256: str


@dataclass
class StoredUpload:
    checked: CheckedUpload
    path: str  # its name in the storage


def storage() -> Storage:
    return SubmissionFile._meta.get_field("file").storage


def sha256_of(stream: IO[bytes] | File) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(64 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def check_uploads(
    uploads, limits: UploadLimits, carried_count: int = 0, carried_bytes: int = 0
) -> list[CheckedUpload]:
    """Validate uploaded files (next to `carried_count` files of `carried_bytes` kept from
    before). Raises ValidationError with one French message per problem."""
    uploads = [upload for upload in uploads if upload is not None]
    errors: list[str] = []
    if carried_count + len(uploads) > limits.max_files:
        errors.append(
            _("Vous ne pouvez pas déposer plus de %(max)d fichiers pour un devoir.")
            % {"max": limits.max_files}
        )
    checked = []
    for upload in uploads:
        shown = clean_file_name(upload.name)
        if upload.size == 0:
            errors.append(_("Le fichier « %(name)s » est vide.") % {"name": shown})
            continue
        if upload.size > limits.max_file_bytes:
            errors.append(
                _("Le fichier « %(name)s » est trop lourd (%(size)s, %(max)s au plus).")
                % {
                    "name": shown,
                    "size": format_size(upload.size),
                    "max": format_size(limits.max_file_bytes),
                }
            )
            continue
        content_type = sniff(upload, upload.name)
        if content_type is None:
            errors.append(
                _("Le fichier « %(name)s » n'est pas d'un type accepté. Sont acceptés : %(types)s.")
                % {"name": shown, "types": ACCEPTED_TYPES_TEXT}
            )
            continue
        checked.append(
            CheckedUpload(
                file=upload,
                name=clean_file_name(upload.name, content_type),
                size=upload.size,
                content_type=content_type,
                sha256=sha256_of(upload),
            )
        )
    total = carried_bytes + sum(upload.size for upload in uploads)
    if total > limits.max_total_bytes and len(checked) == len(uploads):
        errors.append(
            _("Les fichiers pèsent %(size)s au total, %(max)s au plus.")
            % {"size": format_size(total), "max": format_size(limits.max_total_bytes)}
        )
    if errors:
        raise ValidationError(errors)
    return checked


def store(uploads: list[CheckedUpload]) -> list[StoredUpload]:
    """Write each file under a random name and read it back: stored whole or not at all.

    On any failure the files written so far are removed and the error is raised again. The
    caller removes the returned files (`remove`) if it cannot commit their rows.
    """
    stored: list[StoredUpload] = []
    target = storage()
    try:
        for checked in uploads:
            name = _random_name(checked.content_type)
            checked.file.seek(0)
            path = target.save(name, checked.file, max_length=200)
            stored.append(StoredUpload(checked, path))
            _verify(target, path, checked)
    except Exception:
        remove([upload.path for upload in stored])
        raise
    return stored


def _random_name(content_type: str) -> str:
    field = SubmissionFile._meta.get_field("file")
    return field.generate_filename(None, f"{uuid.uuid4().hex}.{EXTENSIONS[content_type][0]}")


def _verify(target: Storage, path: str, checked: CheckedUpload) -> None:
    with target.open(path, "rb") as written:
        digest = sha256_of(written)
    if target.size(path) != checked.size or digest != checked.sha256:
        raise OSError(f"stored file {path} differs from the upload")


def remove(paths: list[str]) -> None:
    target = storage()
    for path in paths:
        try:
            target.delete(path)
        except OSError:
            logger.exception("Could not remove the stored file %s", path)


def archive_folder_name(submission: Submission) -> str:
    """ "Nom Prénom", safe as a folder name in a zip."""
    user = submission.student.user
    return clean_file_name(f"{user.last_name} {user.first_name}".strip() or user.username)


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or "name (2).ext" when already used (compared without case, as Windows does)."""
    stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    taken.add(candidate.lower())
    return candidate


def write_archive(assignment: Assignment, destination: IO[bytes]) -> int:
    """Write the latest hand-in of every pupil into a zip: "Nom Prénom/fichier", and the
    written answer as "Nom Prénom/Réponse écrite.txt". Returns the number of pupils."""
    submissions = (
        Submission.objects.filter(assignment=assignment, is_latest=True)
        .select_related("student__user")
        .prefetch_related("files")
        .order_by("student__user__last_name", "student__user__first_name", "pk")
    )
    folders: set[str] = set()
    count = 0
    with zipfile.ZipFile(destination, "w") as archive:
        for submission in submissions:
            count += 1
            folder = _unique(archive_folder_name(submission), folders)
            names: set[str] = set()
            if submission.text:
                name = _unique(_("Réponse écrite") + ".txt", names)
                archive.writestr(
                    f"{folder}/{name}",
                    submission.text.encode("utf-8"),
                    compress_type=zipfile.ZIP_DEFLATED,
                )
            for stored in submission.files.all():
                info = zipfile.ZipInfo(
                    f"{folder}/{_unique(stored.original_name, names)}",
                    date_time=timezone.localtime(submission.submitted_at).timetuple()[:6],
                )
                info.file_size = stored.size
                # Documents and images are compressed already: store them as they are.
                info.compress_type = zipfile.ZIP_STORED
                with stored.file.open("rb") as source, archive.open(info, "w") as target:
                    shutil.copyfileobj(source, target, 64 * 1024)
    return count
