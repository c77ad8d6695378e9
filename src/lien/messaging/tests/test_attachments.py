"""Attachment checks (limits, types sniffed from the content), storage, and the form field."""

import hashlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict

from lien.messaging import attachments, services
from lien.messaging.models import Attachment
from lien.messaging.tests import attachment_fixtures as files
from lien.messaging.tests.attachment_fixtures import send, to_user, upload


@pytest.fixture
def media_root(settings, tmp_path):
    """Stored files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


MB = 1024 * 1024


def messages_of(error: ValidationError) -> list[str]:
    return error.value.messages


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("sujet.pdf", files.PDF, "application/pdf"),
        ("photo.png", files.PNG, "image/png"),
        ("photo.jpg", files.JPEG, "image/jpeg"),
        ("anim.gif", files.GIF, "image/gif"),
        ("image.webp", files.WEBP, "image/webp"),
        ("chant.mp3", files.MP3, "audio/mpeg"),
        ("dictee.m4a", files.M4A, "audio/mp4"),
        ("devoir.docx", files.DOCX, attachments.DOCX),
        ("notes.xlsx", files.XLSX, attachments.XLSX),
        ("expose.pptx", files.PPTX, attachments.PPTX),
        ("devoir.odt", files.ODT, attachments.ODT),
        ("notes.ods", files.ODS, attachments.ODS),
        ("expose.odp", files.ODP, attachments.ODP),
        ("liste.txt", files.TEXT, "text/plain"),
        ("eleves.csv", files.CSV, "text/csv"),
    ],
)
def test_accepted_types_are_recognised_from_their_content(name, data, content_type):
    # The browser claims octet-stream: the type comes from the bytes.
    [checked] = attachments.check_attachments([upload(name, data)])
    assert (checked.name, checked.size, checked.content_type) == (name, len(data), content_type)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.html", files.HTML),
        ("page.txt", files.HTML),  # a web page disguised as text
        ("dessin.svg", files.SVG),
        ("dessin.txt", files.SVG),
        ("jeu.exe", files.EXE),
        ("cours.pdf", files.EXE),  # an executable disguised as a PDF
        ("outil", files.ELF),
        ("macros.xlsx", files.XLSM),  # a workbook with macros
        ("archive.zip", files.zipped({"a.txt": b"bonjour"})),
        ("donnees.bin", b"\x00\x01\x02\x03 rien de connu"),
        ("binaire.txt", b"texte\x00avec un octet nul"),
        ("notes.md", files.TEXT),  # text, but not a .txt or .csv
    ],
)
def test_other_types_are_refused_with_the_list_of_accepted_ones(name, data):
    with pytest.raises(ValidationError) as error:
        attachments.check_attachments([upload(name, data, content_type="application/pdf")])
    assert messages_of(error) == [
        f"Le fichier « {name} » n'est pas d'un type accepté. Sont acceptés : PDF, images "
        "(JPEG, PNG, GIF, WebP), documents bureautiques (Word, Excel, PowerPoint, "
        "LibreOffice), texte, CSV et audio (MP3, M4A)."
    ]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        attachments.check_attachments([upload("vide.pdf", b"")])
    assert messages_of(error) == ["Le fichier « vide.pdf » est vide."]


def test_a_file_too_big_is_refused_suggesting_a_link(settings):
    settings.LIEN_MESSAGE_MAX_FILE_MB = 1
    big = files.PDF + b"0" * MB
    with pytest.raises(ValidationError) as error:
        attachments.check_attachments([upload("video.pdf", big)])
    assert messages_of(error) == [
        "Le fichier « video.pdf » est trop lourd (1,0 Mo, 1 Mo au plus). Pour une vidéo ou un "
        "gros fichier, déposez-le sur un espace de partage et envoyez plutôt le lien vers ce "
        "fichier."
    ]


def test_a_file_at_the_limit_is_accepted(settings):
    settings.LIEN_MESSAGE_MAX_FILE_MB = 1
    data = files.PDF + b"0" * (MB - len(files.PDF))
    [checked] = attachments.check_attachments([upload("juste.pdf", data)])
    assert checked.size == MB


def test_too_many_files_are_refused(settings):
    settings.LIEN_MESSAGE_MAX_FILES = 2
    with pytest.raises(ValidationError) as error:
        attachments.check_attachments([upload(f"{n}.pdf", files.PDF) for n in range(3)])
    assert messages_of(error) == ["Vous ne pouvez pas joindre plus de 2 fichiers à un message."]


def test_files_too_big_in_total_are_refused(settings):
    settings.LIEN_MESSAGE_MAX_FILE_MB = 1
    settings.LIEN_MESSAGE_MAX_TOTAL_MB = 1
    half = files.PDF + b"0" * (MB // 2)
    with pytest.raises(ValidationError) as error:
        attachments.check_attachments([upload("a.pdf", half), upload("b.pdf", half)])
    assert messages_of(error) == [
        "Les pièces jointes pèsent 1,0 Mo au total, 1 Mo au plus. Envoyez-les en plusieurs "
        "messages, ou partagez un lien vers les plus gros fichiers."
    ]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as error:
        attachments.check_attachments(
            [upload("vide.txt", b""), upload("ok.pdf", files.PDF), upload("x.html", files.HTML)]
        )
    assert len(messages_of(error)) == 2
    assert messages_of(error)[0] == "Le fichier « vide.txt » est vide."
    assert messages_of(error)[1].startswith("Le fichier « x.html » n'est pas d'un type accepté.")


def test_the_files_already_attached_count_in_the_limits(cast, media_root, settings):
    settings.LIEN_MESSAGE_MAX_FILES = 2
    message = send(cast.a.teacher, to_user(cast.a.student.user))
    attachments.do_attach(message, attachments.check_attachments([upload("a.pdf", files.PDF)]))
    attachments.check_attachments([upload("b.pdf", files.PDF)], message=message)
    with pytest.raises(ValidationError, match="plus de 2 fichiers"):
        attachments.check_attachments(
            [upload("b.pdf", files.PDF), upload("c.pdf", files.PDF)], message=message
        )


@pytest.mark.parametrize(
    ("uploaded", "content_type", "expected"),
    [
        ("../../etc/passwd.pdf", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\élève\\Bulletin T1.pdf", "application/pdf", "Bulletin T1.pdf"),
        ("facture\u202efdp.exe", "application/pdf", "facturefdp.exe.pdf"),
        ('a<b>:"c"|?*.txt', "text/plain", "a_b___c____.txt"),
        (".cache.png", "image/png", "cache.png"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("sans extension", "image/png", "sans extension.png"),
        ("...", "application/pdf", "fichier.pdf"),
        ("e\u0301te\u0301.txt", "text/plain", "été.txt"),  # decomposed accents are composed
    ],
)
def test_names_are_sanitised(uploaded, content_type, expected):
    assert attachments.clean_file_name(uploaded, content_type) == expected


def test_long_names_are_shortened_keeping_the_extension():
    name = attachments.clean_file_name("a" * 300 + ".pdf", "application/pdf")
    assert name == "a" * 146 + ".pdf"


def test_do_attach_stores_under_a_random_name_with_its_fingerprint(cast, media_root):
    message = send(cast.a.teacher, to_user(cast.a.student.user))
    checked = attachments.check_attachments([upload("Évaluation n°2.pdf", files.PDF)])
    [attachment] = attachments.do_attach(message, checked)
    attachment.refresh_from_db()
    assert attachment.original_name == "Évaluation n°2.pdf"
    assert attachment.size == len(files.PDF)
    assert attachment.content_type == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(files.PDF).hexdigest()
    assert attachment.file.name.startswith("messaging/")
    assert "valuation" not in attachment.file.name
    assert attachment.file.name.endswith(".pdf")
    with attachment.file.open("rb") as stored:
        assert stored.read() == files.PDF


def test_attaching_the_same_file_twice_stores_it_once(cast, media_root):
    message = send(cast.a.teacher, to_user(cast.a.student.user))
    for _ in range(2):
        attachments.do_attach(message, attachments.check_attachments([upload("a.pdf", files.PDF)]))
    assert Attachment.objects.filter(message=message).count() == 1
    assert len(list((media_root / "messaging").rglob("*.pdf"))) == 1


def test_forwarding_copies_the_attachments_without_copying_files(cast, media_root):
    message = send(cast.a.teacher, to_user(cast.a.student.user))
    [original] = attachments.do_attach(
        message, attachments.check_attachments([upload("a.pdf", files.PDF)])
    )
    forward = send(cast.a.teacher, to_user(cast.a.parent.user))
    [copy] = attachments.do_copy_attachments(message, forward)
    assert (copy.message_id, copy.file.name, copy.original_name, copy.sha256) == (
        forward.pk,
        original.file.name,
        "a.pdf",
        original.sha256,
    )


class ComposeForm(forms.Form):
    attachments = attachments.AttachmentsField()


def test_the_form_field_accepts_several_files():
    form = ComposeForm(
        data={},
        files=MultiValueDict(
            {"attachments": [upload("a.pdf", files.PDF), upload("b.png", files.PNG)]}
        ),
    )
    assert form.is_valid(), form.errors
    assert [(f.name, f.content_type) for f in form.cleaned_data["attachments"]] == [
        ("a.pdf", "application/pdf"),
        ("b.png", "image/png"),
    ]


def test_the_form_field_is_optional():
    form = ComposeForm(data={}, files=MultiValueDict())
    assert form.is_valid()
    assert form.cleaned_data["attachments"] == []


def test_the_form_field_shows_every_refusal():
    form = ComposeForm(
        data={},
        files=MultiValueDict(
            {"attachments": [upload("vide.pdf", b""), upload("page.html", files.HTML)]}
        ),
    )
    assert not form.is_valid()
    assert form.errors["attachments"][0] == "Le fichier « vide.pdf » est vide."
    assert form.errors["attachments"][1].startswith("Le fichier « page.html » n'est pas")


def test_the_form_field_renders_a_multiple_input_limited_to_accepted_types():
    html = str(ComposeForm()["attachments"])
    assert 'type="file"' in html
    assert "multiple" in html
    assert 'accept=".pdf,.jpg,.jpeg,.png,' in html


def test_attaching_to_a_draft_that_has_files_keeps_the_limits(cast, media_root, settings):
    settings.LIEN_MESSAGE_MAX_FILES = 2
    settings.LIEN_MESSAGE_MAX_FILE_MB = 1
    settings.LIEN_MESSAGE_MAX_TOTAL_MB = 1
    pupil = cast.a.student
    draft = services.do_save_draft(pupil.user, pupil.establishment, to_user(cast.a.teacher.user))
    half = files.PDF + b"0" * (MB // 2)
    attachments.do_attach(draft, attachments.check_attachments([upload("a.pdf", half)]))
    with pytest.raises(ValidationError) as error:
        attachments.do_attach(draft, attachments.check_attachments([upload("b.pdf", half)]))
    assert messages_of(error) == [
        f"Les pièces jointes pèsent {attachments.format_size(2 * len(half))} au total, 1 Mo "
        "au plus. Envoyez-les en plusieurs messages, ou partagez un lien vers les plus gros "
        "fichiers."
    ]
    small = [upload(f"{n}.pdf", files.PDF) for n in range(2)]
    with pytest.raises(ValidationError, match="plus de 2 fichiers"):
        attachments.do_attach(draft, attachments.check_attachments(small))
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["a.pdf"]
    assert len(list((media_root / "messaging").rglob("*.pdf"))) == 1


def test_a_failure_while_storing_removes_the_files_already_written(cast, media_root, monkeypatch):
    message = send(cast.a.teacher, to_user(cast.a.student.user))
    checked = attachments.check_attachments(
        [upload("a.pdf", files.PDF), upload("b.png", files.PNG)]
    )
    saves = []

    def failing_save(self, *args, **kwargs):
        saves.append(self.original_name)
        if len(saves) == 2:
            raise OSError("disque plein")
        return original_save(self, *args, **kwargs)

    original_save = Attachment.save
    monkeypatch.setattr(Attachment, "save", failing_save)
    with pytest.raises(OSError, match="disque plein"):
        attachments.do_attach(message, checked)
    assert Attachment.objects.count() == 0
    assert list((media_root / "messaging").rglob("*.*")) == []


def test_the_field_include_shows_the_errors_and_the_draft_files(cast, media_root):
    pupil = cast.a.student
    draft = services.do_save_draft(pupil.user, pupil.establishment, to_user(cast.a.teacher.user))
    [attached] = attachments.do_attach(
        draft, attachments.check_attachments([upload("a.pdf", files.PDF)])
    )
    form = ComposeForm(data={}, files=MultiValueDict({"attachments": [upload("x.pdf", b"")]}))
    form.is_valid()
    html = render_to_string("messaging/_attachments_field.html", {"form": form, "draft": draft})
    assert '<label for="id_attachments">Pièces jointes</label>' in html
    assert 'id="id_attachments_error" role="alert">Le fichier « x.pdf » est vide.' in html
    assert f'href="/messagerie/pieces-jointes/{attached.code}/"' in html


def test_a_crisis_mode_lowers_the_limit_for_its_establishment_only(cast, settings):
    from lien.admission.services import CrisisSettings, check_start_crisis

    settings.LIEN_MESSAGE_MAX_FILE_MB = 10
    check_start_crisis(
        cast.operator.user,
        cast.a.establishment,
        CrisisSettings(reason="Fermeture des écoles", max_upload_mb=1),
    )
    two_megabytes = files.PDF + b"0" * (2 * MB)
    with pytest.raises(ValidationError) as refused:
        attachments.check_attachments(
            [upload("cours.pdf", two_megabytes)], establishment=cast.a.establishment
        )
    assert "1 Mo au plus" in messages_of(refused)[0]
    assert attachments.check_attachments(
        [upload("cours.pdf", two_megabytes)], establishment=cast.b.establishment
    )
