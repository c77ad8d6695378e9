"""Small files of each kind, built in memory, for the attachment tests."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from lien.messaging import services
from lien.messaging.models import Address

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{content_type}"/>'
    "</Types>"
)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main_content_type: str, part: str = "word/document.xml", extra=None) -> bytes:
    table = CONTENT_TYPES_XML.format(part=part, content_type=main_content_type)
    return zipped({"[Content_Types].xml": table.encode(), part: b"<doc/>", **(extra or {})})


def odf(mimetype: str) -> bytes:
    return zipped({"mimetype": mimetype.encode(), "content.xml": b"<office:document/>"})


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" + b"\x00" * 40
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 40
DOCX = ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = ooxml(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    part="xl/workbook.xml",
)
PPTX = ooxml(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    part="ppt/presentation.xml",
)
XLSM = ooxml("application/vnd.ms-excel.sheet.macroEnabled.main+xml", part="xl/workbook.xml")
ODT = odf("application/vnd.oasis.opendocument.text")
ODS = odf("application/vnd.oasis.opendocument.spreadsheet")
ODP = odf("application/vnd.oasis.opendocument.presentation")
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 60
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 60
TEXT = "Bonjour,\nvoici la liste des fournitures : cahier, règle, compas.\n".encode()
CSV = "Nom;Prénom;Classe\nDurand;Élodie;2nde A\n".encode("cp1252")


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    """A file as the browser sends it (the declared type is never trusted)."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def to_user(user, **draft):
    return services.Draft(
        subject=draft.pop("subject", "Question"),
        body=draft.pop("body", "Bonjour, une question."),
        addresses=[Address(kind=Address.Kind.USER, user=user)],
        **draft,
    )


def send(sender_profile, draft):
    return services.check_send(sender_profile.user, sender_profile.establishment, draft)
