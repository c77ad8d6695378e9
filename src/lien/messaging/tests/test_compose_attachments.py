"""Files in the compose form: sent with the message, kept on the draft when the send is refused,
never uploaded by the autosave, taken off a draft, and carried along by a forward."""

import html

import pytest
from django.urls import reverse

from lien.messaging import attachments, services
from lien.messaging.models import Attachment, Delivery, Message
from lien.messaging.tests import attachment_fixtures as files
from lien.messaging.tests.attachment_fixtures import upload
from lien.messaging.tests.compose_support import COMPOSE, Kind, drafts_of, form, key
from lien.messaging.tests.mailbox_fixtures import flashes, send, to

NOT_SENT = (
    "Votre message n'est pas parti. Il est gardé dans vos brouillons : corrigez-le puis "
    "envoyez-le de nouveau."
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def parents_of_class_a(cast) -> str:
    return key(Kind.CLASS_PARENTS, cast.a.class_a)


def download(client, attachment):
    return client.get(reverse("messaging:attachment", args=[attachment.code]))


def names(message) -> list[str]:
    return list(message.attachments.values_list("original_name", flat=True))


def test_the_compose_form_posts_files(cast, login):
    body = login(cast.a.teacher).get(COMPOSE).content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert (
        '<input type="file" name="attachments" accept="' + attachments.ACCEPT + '" multiple '
        'aria-describedby="id_attachments_helptext" id="id_attachments">'
    ) in body
    assert "10 fichiers au plus, 10 Mo chacun, 20 Mo en tout." in body


def test_a_teacher_sends_a_file_and_a_parent_downloads_it(cast, login):
    client = login(cast.a.teacher)
    response = client.post(
        COMPOSE,
        form(
            lists=[parents_of_class_a(cast)],
            attachments=[upload("Autorisation sortie.pdf", files.PDF)],
        ),
    )
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:message", args=[message.code])
    assert message.sent_at is not None
    [attachment] = message.attachments.all()
    assert (attachment.original_name, attachment.size, attachment.content_type) == (
        "Autorisation sortie.pdf",
        len(files.PDF),
        "application/pdf",
    )

    downloaded = download(login(cast.a.parent), attachment)
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == files.PDF
    assert downloaded["Content-Disposition"].startswith(
        'attachment; filename="Autorisation sortie.pdf"'
    )
    assert download(login(cast.a.other_class_student), attachment).status_code == 404


def test_several_files_go_with_one_message(cast, login):
    login(cast.a.teacher).post(
        COMPOSE,
        form(
            lists=[parents_of_class_a(cast)],
            attachments=[upload("a.pdf", files.PDF), upload("photo.png", files.PNG)],
        ),
    )
    assert names(Message.objects.get(sent_at__isnull=False)) == ["a.pdf", "photo.png"]


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("vide.pdf", b"", "Le fichier « vide.pdf » est vide."),
        (
            "page.pdf",
            files.HTML,
            "Le fichier « page.pdf » n'est pas d'un type accepté. Sont acceptés : PDF, images "
            "(JPEG, PNG, GIF, WebP), documents bureautiques (Word, Excel, PowerPoint, "
            "LibreOffice), texte, CSV et audio (MP3, M4A).",
        ),
        (
            "gros.pdf",
            files.PDF + b"0" * (1024 * 1024),
            "Le fichier « gros.pdf » est trop lourd (1,0 Mo, 1 Mo au plus). Pour une vidéo ou un "
            "gros fichier, déposez-le sur un espace de partage et envoyez plutôt le lien vers ce "
            "fichier.",
        ),
    ],
)
def test_a_bad_file_is_refused_and_the_draft_keeps_the_text(
    cast, login, settings, name, data, error
):
    settings.LIEN_MESSAGE_MAX_FILE_MB = 1
    response = login(cast.a.teacher).post(
        COMPOSE,
        form(
            lists=[parents_of_class_a(cast)],
            subject="Sortie au musée",
            body="Merci de signer l'autorisation.",
            attachments=[upload(name, data)],
        ),
    )
    assert response.status_code == 200
    assert response.context["refused"] is True
    assert response.context["form"].errors == {"attachments": [error]}
    body = response.content.decode()
    assert html.escape(f"Pièces jointes : {error}") in body
    assert NOT_SENT in body
    [draft] = drafts_of(cast.a.teacher)
    assert (draft.subject, draft.body) == ("Sortie au musée", "Merci de signer l'autorisation.")
    assert response.context["draft"] == draft
    assert not Delivery.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_over_the_message_s_limit_undoes_the_send_and_says_why_once(cast, login, settings):
    client = login(cast.a.teacher)
    client.post(
        COMPOSE,
        form(
            lists=[parents_of_class_a(cast)],
            action="save",
            attachments=[upload("premier.pdf", files.PDF)],
        ),
    )
    [draft] = drafts_of(cast.a.teacher)
    settings.LIEN_MESSAGE_MAX_FILES = 1

    response = client.post(
        reverse("messaging:edit-draft", args=[draft.code]),
        form(lists=[parents_of_class_a(cast)], attachments=[upload("second.png", files.PNG)]),
    )

    error = "Vous ne pouvez pas joindre plus de 1 fichiers à un message."
    assert response.status_code == 200
    assert response.context["form"].errors == {"attachments": [error]}
    assert response.content.decode().count(error) == 2  # the summary and the field
    draft.refresh_from_db()
    assert draft.is_draft
    assert names(draft) == ["premier.pdf"]
    assert not Delivery.objects.exists()


def test_a_send_refused_for_another_reason_keeps_the_file_on_the_draft(cast, login):
    response = login(cast.a.teacher).post(
        COMPOSE,
        form(
            subject="", lists=[parents_of_class_a(cast)], attachments=[upload("a.pdf", files.PDF)]
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Donnez un objet à votre message."]
    [draft] = drafts_of(cast.a.teacher)
    assert names(draft) == ["a.pdf"]
    [attachment] = draft.attachments.all()
    body = response.content.decode()
    assert f'<button type="submit" name="remove_attachment" value="{attachment.code}"' in body
    assert f'<input type="hidden" name="draft" value="{draft.code}">' in body


def test_sending_the_draft_sends_the_files_it_carries(cast, login):
    client = login(cast.a.teacher)
    client.post(
        COMPOSE,
        form(
            lists=[parents_of_class_a(cast)],
            action="save",
            attachments=[upload("a.pdf", files.PDF)],
        ),
    )
    [draft] = drafts_of(cast.a.teacher)
    page = client.get(reverse("messaging:edit-draft", args=[draft.code]))
    assert "Fichiers joints à ce brouillon :" in page.content.decode()

    response = client.post(
        reverse("messaging:edit-draft", args=[draft.code]),
        form(lists=[parents_of_class_a(cast)], attachments=[upload("b.png", files.PNG)]),
    )

    assert response.status_code == 302
    sent = Message.objects.get(pk=draft.pk)
    assert sent.sent_at is not None
    assert names(sent) == ["a.pdf", "b.png"]
    [first, _second] = sent.attachments.all()
    assert download(login(cast.a.classmate_parent), first).status_code == 200


def test_saving_a_draft_with_only_a_file_keeps_it(cast, login):
    response = login(cast.a.teacher).post(
        COMPOSE,
        form(subject="", body="", action="save", attachments=[upload("a.pdf", files.PDF)]),
    )
    [draft] = drafts_of(cast.a.teacher)
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:edit-draft", args=[draft.code])
    assert names(draft) == ["a.pdf"]


def test_a_search_for_a_person_keeps_the_chosen_file_on_a_draft(cast, login):
    response = login(cast.a.teacher).post(
        COMPOSE,
        form(action="search", q="zzz", attachments=[upload("a.pdf", files.PDF)]),
    )
    assert response.status_code == 200
    [draft] = drafts_of(cast.a.teacher)
    assert names(draft) == ["a.pdf"]
    assert response.context["draft"] == draft
    assert "Fichiers joints à ce brouillon :" in response.content.decode()


def test_a_search_without_a_file_saves_nothing(cast, login):
    login(cast.a.teacher).post(COMPOSE, form(action="search", q="zzz"))
    assert not Message.objects.exists()


def test_the_autosave_never_stores_files(cast, login):
    response = login(cast.a.teacher).post(
        COMPOSE,
        form(action="autosave", attachments=[upload("a.pdf", files.PDF)]),
    )
    assert response.status_code == 200
    [draft] = drafts_of(cast.a.teacher)
    assert response.json()["draft"] == str(draft.code)
    assert draft.body == "Merci de signer l'autorisation."
    assert not Attachment.objects.exists()


def test_a_file_is_taken_off_the_draft_and_the_text_is_kept(
    cast, login, media_root, django_capture_on_commit_callbacks
):
    client = login(cast.a.teacher)
    client.post(
        COMPOSE,
        form(
            lists=[parents_of_class_a(cast)],
            action="save",
            attachments=[upload("a.pdf", files.PDF), upload("b.png", files.PNG)],
        ),
        follow=True,
    )
    [draft] = drafts_of(cast.a.teacher)
    first = draft.attachments.get(original_name="a.pdf")
    stored = media_root / first.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("messaging:edit-draft", args=[draft.code]),
            form(
                lists=[parents_of_class_a(cast)],
                body="Texte modifié",
                action=None,
                remove_attachment=str(first.code),
            ),
        )

    assert response.status_code == 200
    assert flashes(response) == ["Pièce jointe retirée : a.pdf."]
    draft.refresh_from_db()
    assert draft.body == "Texte modifié"
    assert names(draft) == ["b.png"]
    assert not stored.exists()


def test_a_file_of_another_draft_is_not_taken_off(cast, login):
    other_draft = services.do_save_draft(
        cast.a.other_teacher.user,
        cast.a.establishment,
        services.Draft(subject="Autre", body="", addresses=[]),
    )
    [theirs] = attachments.do_attach(
        other_draft, attachments.check_attachments([upload("a.pdf", files.PDF)])
    )
    client = login(cast.a.teacher)
    client.post(COMPOSE, form(action="save", lists=[parents_of_class_a(cast)]), follow=True)
    [draft] = drafts_of(cast.a.teacher)

    response = client.post(
        reverse("messaging:edit-draft", args=[draft.code]),
        form(lists=[parents_of_class_a(cast)], action=None, remove_attachment=str(theirs.code)),
    )

    assert response.status_code == 200
    assert flashes(response) == []
    assert names(other_draft) == ["a.pdf"]


def test_a_file_shared_with_a_forwarded_message_stays_stored_when_taken_off(
    cast, login, media_root, django_capture_on_commit_callbacks
):
    received = send(cast.a.teacher, to(cast.a.parent), subject="Sujet")
    [original] = attachments.do_attach(
        received, attachments.check_attachments([upload("a.pdf", files.PDF)])
    )
    client = login(cast.a.parent)
    forward_url = reverse("messaging:forward", args=[received.code])
    client.post(forward_url, form(action="save", people=[str(cast.a.direction.user.code)]))
    [draft] = drafts_of(cast.a.parent)
    [copy] = draft.attachments.all()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("messaging:edit-draft", args=[draft.code]),
            form(
                people=[str(cast.a.direction.user.code)], action=None, remove_attachment=copy.code
            ),
        )

    assert names(draft) == []
    assert (media_root / original.file.name).exists()
    assert b"".join(download(client, original).streaming_content) == files.PDF


# --- Forward ------------------------------------------------------------------------------------


@pytest.fixture
def received(cast):
    """a.parent received a message with a PDF from a.teacher."""
    message = send(cast.a.teacher, to(cast.a.parent), subject="Sujet du contrôle")
    attachments.do_attach(message, attachments.check_attachments([upload("sujet.pdf", files.PDF)]))
    return message


def test_the_forward_page_lists_the_files_that_go_with_it(cast, login, received):
    body = login(cast.a.parent).get(reverse("messaging:forward", args=[received.code]))
    body = body.content.decode()
    assert "Fichiers transférés avec le message :" in body
    assert ">sujet.pdf</a>" in body


def test_a_forward_keeps_the_files(cast, login, received):
    client = login(cast.a.parent)
    response = client.post(
        reverse("messaging:forward", args=[received.code]),
        form(people=[str(cast.a.direction.user.code)]),
    )
    forwarded = Message.objects.get(sender=cast.a.parent.user)
    assert response.status_code == 302
    assert forwarded.sent_at is not None
    [copy] = forwarded.attachments.all()
    [original] = received.attachments.all()
    assert (copy.original_name, copy.file.name) == ("sujet.pdf", original.file.name)
    downloaded = download(login(cast.a.direction), copy)
    assert b"".join(downloaded.streaming_content) == files.PDF


def test_a_forward_adds_new_files_to_the_forwarded_ones(cast, login, received):
    login(cast.a.parent).post(
        reverse("messaging:forward", args=[received.code]),
        form(people=[str(cast.a.direction.user.code)], attachments=[upload("b.png", files.PNG)]),
    )
    assert names(Message.objects.get(sender=cast.a.parent.user)) == ["sujet.pdf", "b.png"]


def test_a_forward_saved_then_sent_carries_the_files_once(cast, login, received):
    client = login(cast.a.parent)
    forward_url = reverse("messaging:forward", args=[received.code])
    person = str(cast.a.direction.user.code)
    autosaved = client.post(forward_url, form(action="autosave", people=[person]))
    draft_code = autosaved.json()["draft"]
    client.post(forward_url, form(action="save", people=[person], draft=draft_code))
    response = client.post(forward_url, form(people=[person], draft=draft_code))

    forwarded = Message.objects.get(sender=cast.a.parent.user)
    assert response.status_code == 302
    assert str(forwarded.code) == draft_code
    assert forwarded.sent_at is not None
    assert names(forwarded) == ["sujet.pdf"]


def test_a_reply_does_not_carry_the_files(cast, login, received):
    login(cast.a.parent).post(
        reverse("messaging:reply", args=[received.code]),
        form(people=[str(cast.a.teacher.user.code)]),
    )
    reply = Message.objects.get(sender=cast.a.parent.user)
    assert reply.sent_at is not None
    assert names(reply) == []


def test_a_refused_forward_keeps_the_files_on_its_draft(cast, login, received):
    response = login(cast.a.parent).post(
        reverse("messaging:forward", args=[received.code]), form(people=None)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Ajoutez au moins un destinataire."]
    [draft] = drafts_of(cast.a.parent)
    assert names(draft) == ["sujet.pdf"]
