"""Files sent with messages: limits, type sniffed from the content, storage under random names.

A file's type is read from its bytes, never from its name or from what the browser says: PDF,
images, office documents (the zip's own table of contents says which), plain text, CSV and
common audio. HTML, SVG, executables and anything not recognised are refused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lien.admission import services as crisis
from lien.messaging import safety, services
from lien.messaging.models import Attachment, Delivery, Message

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
NAME_MAX_LENGTH = 150
SNIFF_BYTES = 8192
ZIP_TABLE_MAX_BYTES = MEGABYTE

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

# Accepted type → the extensions a file of that type may carry (the first one is added when
# the name carries none of them, so that "photo.exe" holding a PNG downloads as a PNG).
EXTENSIONS = {
    PDF: ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "audio/mpeg": ("mp3",),
    "audio/mp4": ("m4a",),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    ODT: ("odt",),
    ODS: ("ods",),
    ODP: ("odp",),
    "text/plain": ("txt",),
    "text/csv": ("csv",),
}
# What filetype recognises from magic bytes and we accept, with the type we store.
MAGIC_TYPES = {
    "application/pdf": PDF,
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/apng": "image/png",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "audio/mpeg": "audio/mpeg",
    "audio/mp4": "audio/mp4",
}
# The main part an OOXML package declares in [Content_Types].xml (macro-enabled ones differ).
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
ODF_MIMETYPES = {ODT: ODT, ODS: ODS, ODP: ODP}
TEXT_EXTENSIONS = {"txt": "text/plain", "csv": "text/csv"}
MARKUP_STARTS = ("<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe")
ACCEPT = ",".join(
    [f".{extension}" for extensions in EXTENSIONS.values() for extension in extensions]
)


def max_files() -> int:
    return settings.LIEN_MESSAGE_MAX_FILES


def max_file_bytes(establishment=None) -> int:
    """The largest file of a message; less in an establishment in crisis mode."""
    return max_upload_bytes(establishment, settings.LIEN_MESSAGE_MAX_FILE_MB * MEGABYTE)


def max_total_bytes(establishment=None) -> int:
    return max_upload_bytes(establishment, settings.LIEN_MESSAGE_MAX_TOTAL_MB * MEGABYTE)


def max_upload_bytes(establishment, default: int) -> int:
    if establishment is None:
        return default
    return crisis.max_upload_bytes(establishment, default)


@dataclass
class CheckedFile:
    """An uploaded file that passed the checks, with what was learnt about it."""

    file: File
    name: str
    size: int
    content_type: str


def clean_file_name(name: str, content_type: str | None = None) -> str:
    """A name safe to show and to put in a header: no folders, no control or direction
    characters, no characters Windows refuses, at most 150 characters, and an extension that
    matches the sniffed type."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().lstrip(".").strip()
    stem, extension = os.path.splitext(name)
    if content_type is not None:
        extensions = EXTENSIONS[content_type]
        if extension.lower().lstrip(".") not in extensions:
            stem, extension = name, f".{extensions[0]}"
    stem = stem or _("fichier")
    extension = extension[:20]
    return stem[: NAME_MAX_LENGTH - len(extension)].rstrip() + extension


def sniff(upload: File, name: str) -> str | None:
    """The accepted type of the file's content, or None when it is refused."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_office_document(upload)
    kind = filetype.guess(head)
    if kind is not None:
        return MAGIC_TYPES.get(kind.mime)
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension in TEXT_EXTENSIONS and _is_plain_text(upload):
        return TEXT_EXTENSIONS[extension]
    return None


def _sniff_office_document(upload: File) -> str | None:
    """A zip is accepted only as an office document, told by its own table of contents."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if any(
                "vbaProject" in name or name.startswith(("Basic/", "Scripts/")) for name in names
            ):
                return None  # documents carrying macros
            if "mimetype" in names:
                if archive.getinfo("mimetype").file_size > 100:
                    return None
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return ODF_MIMETYPES.get(declared)
            if "[Content_Types].xml" in names:
                if archive.getinfo("[Content_Types].xml").file_size > ZIP_TABLE_MAX_BYTES:
                    return None
                table = archive.read("[Content_Types].xml").decode("utf-8", "replace")
                for part, content_type in OOXML_MAIN_PARTS.items():
                    if f'ContentType="{part}"' in table:
                        return content_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, RuntimeError):
        return None
    finally:
        upload.seek(0)
    return None


def _is_plain_text(upload: File) -> bool:
    """UTF-8 or Windows-1252 text (what spreadsheets export) without control characters, and
    not a web page in disguise."""
    data = upload.read()
    upload.seek(0)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(char) < 32 and char not in "\t\n\r\f" for char in text):
            return False
        start = text.lstrip().lower()
        return not start.startswith(MARKUP_STARTS)
    return False


def format_size(size: int) -> str:
    if size >= MEGABYTE:
        return _("%(size)s Mo") % {"size": f"{size / MEGABYTE:.1f}".replace(".", ",")}
    return _("%(size)d ko") % {"size": max(1, round(size / 1024))}


def check_attachments(
    files, message: Message | None = None, establishment=None
) -> list[CheckedFile]:
    """Validate uploaded files (and, when `message` is given, the ones it already carries),
    under the limits of the establishment (lower in crisis mode).

    Raises ValidationError with one French message per problem; returns the checked files.
    """
    files = [upload for upload in files if upload is not None]
    if establishment is None and message is not None:
        establishment = message.establishment
    file_limit, total_limit = max_file_bytes(establishment), max_total_bytes(establishment)
    existing_count, existing_total = _carried(message)
    errors: list[str] = []
    if existing_count + len(files) > max_files():
        errors.append(_too_many())
    checked = []
    for upload in files:
        shown = clean_file_name(upload.name)
        if upload.size == 0:
            errors.append(_("Le fichier « %(name)s » est vide.") % {"name": shown})
            continue
        if upload.size > file_limit:
            errors.append(
                _(
                    "Le fichier « %(name)s » est trop lourd (%(size)s, %(max)d Mo au plus). "
                    "Pour une vidéo ou un gros fichier, déposez-le sur un espace de partage et "
                    "envoyez plutôt le lien vers ce fichier."
                )
                % {
                    "name": shown,
                    "size": format_size(upload.size),
                    "max": file_limit // MEGABYTE,
                }
            )
            continue
        content_type = sniff(upload, upload.name)
        if content_type is None:
            errors.append(
                _(
                    "Le fichier « %(name)s » n'est pas d'un type accepté. Sont acceptés : PDF, "
                    "images (JPEG, PNG, GIF, WebP), documents bureautiques (Word, Excel, "
                    "PowerPoint, LibreOffice), texte, CSV et audio (MP3, M4A)."
                )
                % {"name": shown}
            )
            continue
        checked.append(
            CheckedFile(
                upload, clean_file_name(upload.name, content_type), upload.size, content_type
            )
        )
    total = existing_total + sum(upload.size for upload in files)
    if total > total_limit and len(checked) == len(files):
        errors.append(_too_heavy(total, total_limit))
    if errors:
        raise ValidationError(errors)
    return checked


def _carried(message: Message | None) -> tuple[int, int]:
    """How many files, and how many bytes, the message carries already."""
    if message is None or message.pk is None:
        return 0, 0
    carried = message.attachments.aggregate(count=Count("pk"), total=Sum("size"))
    return carried["count"] or 0, carried["total"] or 0


def _too_many() -> str:
    return _("Vous ne pouvez pas joindre plus de %(max)d fichiers à un message.") % {
        "max": max_files()
    }


def _too_heavy(total: int, limit: int) -> str:
    return _(
        "Les pièces jointes pèsent %(size)s au total, %(max)d Mo au plus. Envoyez-les "
        "en plusieurs messages, ou partagez un lien vers les plus gros fichiers."
    ) % {"size": format_size(total), "max": limit // MEGABYTE}


def do_attach(message: Message, files: list[CheckedFile]) -> list[Attachment]:
    """Store files returned by `check_attachments` with the message (a draft, or a message
    being sent in the same transaction).

    A file already attached to the message (same name and content: a retried request) is not
    stored twice. Raises ValidationError, storing nothing, when the message would then carry
    too many files or too many megabytes (a draft that already has some). Files written before
    a failure are removed again.
    """
    attachments: list[Attachment] = []
    new: list[tuple[CheckedFile, str]] = []
    for checked in files:
        digest = _sha256(checked.file)
        existing = message.attachments.filter(original_name=checked.name, sha256=digest).first()
        if existing is not None:
            attachments.append(existing)
        else:
            new.append((checked, digest))
    count, total = _carried(message)
    errors = []
    if count + len(new) > max_files():
        errors.append(_too_many())
    total += sum(checked.size for checked, _digest in new)
    limit = max_total_bytes(message.establishment)
    if total > limit:
        errors.append(_too_heavy(total, limit))
    if errors:
        raise ValidationError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            for checked, digest in new:
                attachment = Attachment(
                    message=message,
                    original_name=checked.name,
                    size=checked.size,
                    content_type=checked.content_type,
                    sha256=digest,
                )
                random_name = f"{uuid.uuid4().hex}.{EXTENSIONS[checked.content_type][0]}"
                checked.file.seek(0)
                attachment.file.save(random_name, checked.file, save=False)
                stored.append(attachment.file.name)
                attachment.save()
                attachments.append(attachment)
    except Exception:
        storage = Attachment._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return attachments


def do_copy_attachments(source: Message, message: Message) -> list[Attachment]:
    """Forwarding: the new message points to the same stored files (never deleted alone).

    A file the message already carries (same name and content: a retried save) is not copied
    twice.
    """
    carried = set(message.attachments.values_list("original_name", "sha256"))
    copies = [
        Attachment(
            message=message,
            file=attachment.file.name,
            original_name=attachment.original_name,
            size=attachment.size,
            content_type=attachment.content_type,
            sha256=attachment.sha256,
        )
        for attachment in source.attachments.all()
        if (attachment.original_name, attachment.sha256) not in carried
    ]
    return Attachment.objects.bulk_create(copies)


def do_remove_attachment(draft: Message, code) -> Attachment | None:
    """Take a file off a draft (the caller holds the draft, locked). The stored file goes too,
    unless another message still points to it (a forward). None if the draft has no such
    file."""
    if not draft.is_draft:
        raise ValidationError(_("Ce message a déjà été envoyé."))
    try:
        attachment = draft.attachments.filter(code=uuid.UUID(str(code))).first()
    except ValueError:
        attachment = None
    if attachment is None:
        return None
    name = attachment.file.name
    attachment.delete()
    if not Attachment.objects.filter(file=name).exists():
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(partial(storage.delete, name))
    return attachment


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def access_attachment(user, code) -> Attachment:
    """The attachment, if the user sent its message or holds a visible delivery of it (or
    handles a report about it, which is logged); Http404 otherwise."""
    attachment = (
        Attachment.objects.select_related("message").filter(code=code).first()
        if user.is_authenticated
        else None
    )
    if attachment is None:
        raise Http404
    message = attachment.message
    if message.sender_id == user.pk and message.sender_folder != "deleted":
        return attachment
    received = (
        services.visible_deliveries(user)
        .filter(message=message)
        .exclude(box=Delivery.Box.DELETED)
        .exists()
    )
    if received:
        return attachment
    report = safety.report_handled_by(user, message)
    if report is not None:
        safety.do_record_viewing(report, user)
        return attachment
    raise Http404


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", fallback).strip() or "fichier"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to `CheckedFile`s,
    under the limits of `establishment` when the form sets it."""

    establishment = None

    default_error_messages = {"invalid": gettext_lazy("Ce fichier n'a pas pu être reçu.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Pièces jointes"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "PDF, images, documents bureautiques, texte ou audio. "
                "Pour une vidéo, envoyez plutôt un lien vers le fichier."
            ),
        )
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        # Empty files get our own message, with their name.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        uploads = [super(AttachmentsField, self).clean(upload, initial) for upload in uploads]
        return check_attachments([upload for upload in uploads if upload], None, self.establishment)
