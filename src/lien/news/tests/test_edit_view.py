"""Writing and changing a news item (/actualites/nouvelle/, /actualites/<code>/modifier/):
teachers and staff only, to the audiences they may address; bad input is refused with a French
message and loses nothing."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lien.messaging.tests.attachment_fixtures import HTML, PDF, PNG
from lien.news.models import NewsAttachment, NewsItem
from lien.news.tests.fixtures import in_hours, parents_of, publish, pupils_of
from lien.tests.world import resolve

CREATE = reverse("news:create-item")
PARIS = ZoneInfo("Europe/Paris")


def typed(moment) -> str:
    """A moment as a datetime-local input sends it (Paris time)."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def form_data(school, **changes) -> dict:
    data = {
        "title": "Sortie au musée",
        "body": "Rendez-vous à 8 h devant le lycée.\nPensez au pique-nique.",
        "audiences": [f"class_parents:{school.class_a.code}"],
        "action": "publish",
    }
    data.update(changes)
    return data


def edit_url(item) -> str:
    return reverse("news:edit-item", args=[item.code])


def errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(error) for field in form.errors.values() for error in field)


def test_a_teacher_publishes_to_the_parents_of_their_class_with_a_file(cast, login, media_root):
    client = login(cast.a.teacher)
    page = client.get(CREATE)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Parents de 2nde A" in body and "Élèves de 2nde A" in body
    assert "2nde B" not in body and "Tout l&#x27;établissement" not in body
    upload = SimpleUploadedFile("Autorisation.pdf", PDF, content_type="application/pdf")
    response = client.post(CREATE, form_data(cast.a, attachments=[upload]))
    item = NewsItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert (item.status, item.author, item.published_by) == (
        "published",
        cast.a.teacher.user,
        cast.a.teacher.user,
    )
    assert item.body == "Rendez-vous à 8 h devant le lycée.\nPensez au pique-nique."
    assert [audience.label for audience in item.audiences.all()] == ["Parents de 2nde A"]
    [attachment] = item.attachments.all()
    assert (attachment.original_name, attachment.content_type) == (
        "Autorisation.pdf",
        "application/pdf",
    )
    assert attachment.file.name.startswith("news/")
    assert (media_root / attachment.file.name).read_bytes() == PDF
    assert timezone.now() - item.publish_at < timedelta(minutes=1)
    assert "Actualité publiée." in client.get(item.get_absolute_url()).content.decode()


def test_saving_a_draft_publishes_nothing(cast, login):
    client = login(cast.a.teacher)
    client.post(CREATE, form_data(cast.a, action="draft"))
    item = NewsItem.objects.get()
    assert item.status == "draft"
    assert "Brouillon enregistré" in client.get(item.get_absolute_url()).content.decode()


def test_a_publication_date_ahead_schedules_the_item(cast, login):
    client = login(cast.a.teacher)
    client.post(CREATE, form_data(cast.a, publish_at=typed(in_hours(26))))
    item = NewsItem.objects.get()
    assert item.state == "scheduled"
    assert item.publish_at == in_hours(26).astimezone(PARIS).replace(second=0, microsecond=0)


def test_a_publication_date_already_passed_means_now(cast, login):
    login(cast.a.teacher).post(CREATE, form_data(cast.a, publish_at=typed(in_hours(-30))))
    item = NewsItem.objects.get()
    assert item.state == "public"
    assert timezone.now() - item.publish_at < timedelta(minutes=1)


def test_staff_write_to_the_whole_establishment(cast, login):
    response = login(cast.a.librarian).post(
        CREATE, form_data(cast.a, audiences=["establishment", f"group:{cast.a.group.code}"])
    )
    assert response.status_code == 302
    item = NewsItem.objects.get()
    assert [audience.label for audience in item.audiences.all()] == [
        "Tout l'établissement",
        "Groupe LV2 Espagnol",
    ]


@pytest.mark.parametrize("who", ["a.student", "a.parent", "a.tutor", "operator"])
def test_other_roles_may_not_write(cast, login, who):
    client = login(resolve(cast, who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(cast.a)).status_code == 403
    assert not NewsItem.objects.exists()


# Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "Donnez un titre à l'actualité."),
        ({"title": "T" * 201}, "Le titre est trop long (201 caractères, 200 au plus)."),
        ({"body": "\n "}, "Écrivez le texte de l'actualité."),
        ({"audiences": []}, "Choisissez à qui s'adresse l'actualité."),
        (
            {"expires_at": "past"},
            "La date de fin de publication est passée : choisissez une date à venir, ou "
            "laissez le champ vide.",
        ),
        ({"publish_at": "31/02/2026 25:00"}, "Indiquez une date et une heure valides."),
        (
            {"audiences": ["class:{class_a}"], "requires_acknowledgement": "on"},
            "La confirmation de lecture est demandée aux parents : choisissez aussi des parents",
        ),
        (
            {"audiences": ["class_parents:{class_b}"]},
            "Un des publics choisis ne vous est pas ouvert : choisissez dans la liste.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_french_message_and_the_text_is_kept(
    cast, login, changes, message
):
    if changes.get("expires_at") == "past":
        changes["expires_at"] = typed(in_hours(-1))
    if "audiences" in changes:
        changes["audiences"] = [
            value.format(class_a=cast.a.class_a.code, class_b=cast.a.class_b.code)
            for value in changes["audiences"]
        ]
    response = login(cast.a.teacher).post(CREATE, form_data(cast.a, **changes))
    assert response.status_code == 400
    assert message in errors(response)
    assert message.split(" :")[0] in response.content.decode().replace("&#x27;", "'")
    assert not NewsItem.objects.exists()
    if "body" not in changes:
        assert "Pensez au pique-nique." in response.content.decode()


def test_an_expiry_before_the_publication_is_refused(cast, login):
    data = form_data(
        cast.a, publish_at=typed(in_hours(10)), expires_at=typed(in_hours(5)), action="draft"
    )
    response = login(cast.a.teacher).post(CREATE, data)
    assert response.status_code == 400
    assert "La fin de publication doit venir après la publication (le " in errors(response)
    assert not NewsItem.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("vide.pdf", b""), "Le fichier « vide.pdf » est vide."),
        (
            SimpleUploadedFile("page.html", HTML, content_type="text/html"),
            "Le fichier « page.html » n'est pas d'un type accepté.",
        ),
        (
            SimpleUploadedFile("gros.pdf", PDF + b"0" * (1024 * 1024)),
            "Le fichier « gros.pdf » est trop lourd (1,0 Mo, 1 Mo au plus).",
        ),
    ],
)
def test_a_refused_file_saves_nothing_and_says_why(cast, login, settings, upload, message):
    settings.LIEN_MESSAGE_MAX_FILE_MB = 1
    response = login(cast.a.teacher).post(CREATE, form_data(cast.a, attachments=[upload]))
    assert response.status_code == 400
    assert message in errors(response)
    assert not NewsItem.objects.exists()
    assert not NewsAttachment.objects.exists()
    assert "Pensez au pique-nique." in response.content.decode()


def test_a_crisis_mode_lowers_the_size_allowed(cast, login, monkeypatch):
    monkeypatch.setattr("lien.news.services.max_upload_bytes", lambda establishment, default: 50)
    upload = SimpleUploadedFile("photo.png", PNG + b"\x00" * 100)
    response = login(cast.a.teacher).post(CREATE, form_data(cast.a, attachments=[upload]))
    assert response.status_code == 400
    assert "Le fichier « photo.png » est trop lourd (1 ko) : 1 ko au plus en ce moment" in errors(
        response
    )
    assert not NewsItem.objects.exists()


# Editing ----------------------------------------------------------------------------------------


@pytest.fixture
def item(cast):
    published = publish(cast.a.teacher, parents_of(cast.a.class_a), title="Sortie au musée")
    NewsAttachment.objects.create(
        item=published,
        file="news/2026/09/autorisation.pdf",
        original_name="Autorisation.pdf",
        size=len(PDF),
        content_type="application/pdf",
        sha256="0" * 64,
    )
    return published


def test_the_edit_form_shows_the_item(cast, login, item):
    response = login(cast.a.teacher).get(edit_url(item))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["title"].value() == "Sortie au musée"
    assert form["audiences"].value() == [f"class_parents:{cast.a.class_a.code}"]
    assert "Autorisation.pdf" in response.content.decode()


def test_editing_a_published_item_keeps_its_date(cast, login, item):
    published_at = item.publish_at - timedelta(hours=3)
    NewsItem.objects.filter(pk=item.pk).update(publish_at=published_at)
    data = form_data(cast.a, title="Sortie au musée (horaires)", publish_at=typed(published_at))
    response = login(cast.a.teacher).post(edit_url(item), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.publish_at, item.status) == (
        "Sortie au musée (horaires)",
        published_at,
        "published",
    )
    assert item.attachments.count() == 1


def test_a_bad_file_on_an_edit_keeps_what_was_saved(cast, login, item, settings):
    settings.LIEN_MESSAGE_MAX_FILES = 1
    upload = SimpleUploadedFile("photo.png", PNG)
    response = login(cast.a.teacher).post(
        edit_url(item), form_data(cast.a, title="Nouveau titre", attachments=[upload])
    )
    assert response.status_code == 400
    assert "Une actualité porte 1 fichiers au plus." in errors(response)
    item.refresh_from_db()
    assert item.title == "Sortie au musée"
    assert [a.original_name for a in item.attachments.all()] == ["Autorisation.pdf"]


def test_a_file_is_taken_off(cast, login, item, django_capture_on_commit_callbacks, media_root):
    attachment = item.attachments.get()
    (media_root / "news/2026/09").mkdir(parents=True)
    (media_root / attachment.file.name).write_bytes(PDF)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.a.teacher).post(
            edit_url(item), form_data(cast.a, removed_files=[str(attachment.code)])
        )
    assert response.status_code == 302
    assert not item.attachments.exists()
    assert not (media_root / attachment.file.name).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.group_teacher", 403),  # sees it (teaches a pupil of 2nde A), did not write it
        ("a.librarian", 403),
        ("a.parent", 403),
        ("a.other_teacher", 404),
        ("a.classmate", 404),
        ("b.direction", 404),
        ("c.direction", 404),
    ],
)
def test_others_may_not_edit_and_nothing_changes(cast, login, item, who, status):
    client = login(resolve(cast, who))
    assert client.get(edit_url(item)).status_code == status
    assert client.post(edit_url(item), form_data(cast.a, title="Piraté")).status_code == status
    item.refresh_from_db()
    assert item.title == "Sortie au musée"


def test_the_direction_edits_a_teachers_item(cast, login, item):
    response = login(cast.a.direction).post(edit_url(item), form_data(cast.a, title="Corrigé"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.author) == ("Corrigé", cast.a.teacher.user)


def test_the_author_deletes_the_item(cast, login, item):
    client = login(cast.a.teacher)
    delete_url = reverse("news:delete-item", args=[item.code])
    assert "seront supprimées" in client.get(delete_url).content.decode()
    assert client.post(delete_url).status_code == 302
    assert not NewsItem.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("a.parent", 403), ("b.direction", 404)])
def test_others_may_not_delete(cast, login, item, who, status):
    assert (
        login(resolve(cast, who)).post(reverse("news:delete-item", args=[item.code])).status_code
        == status
    )
    assert NewsItem.objects.filter(pk=item.pk).exists()


def test_a_teacher_cannot_post_for_a_class_they_do_not_teach_even_through_the_service(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        publish(cast.a.teacher, pupils_of(cast.a.class_b))
    assert not NewsItem.objects.exists()
