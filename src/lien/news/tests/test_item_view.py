"""/actualites/<code>/ and its files: for whoever may see the item (404 for everyone else); the
text is shown as plain text, files are always downloads."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from lien.messaging.tests.attachment_fixtures import PDF
from lien.news.models import NewsAttachment
from lien.news.tests.fixtures import in_hours, move, parents_of, publish
from lien.tests.world import resolve


@pytest.fixture
def item(cast):
    published = publish(
        cast.a.teacher,
        parents_of(cast.a.class_a),
        title="Réunion parents-professeurs",
        body="Bonjour,\n\nRéunion jeudi. <script>alert(1)</script> Détails : https://example.org/reunion",
    )
    attachment = NewsAttachment(
        item=published,
        original_name="Ordre du jour.pdf",
        size=len(PDF),
        content_type="application/pdf",
        sha256="0" * 64,
    )
    attachment.file.save("random.pdf", ContentFile(PDF), save=False)
    attachment.save()
    return published


def download_url(item) -> str:
    return reverse("news:attachment", args=[item.attachments.get().code])


def test_a_parent_of_the_class_reads_the_item(cast, login, item):
    response = login(cast.a.parent).get(item.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Réunion parents-professeurs</h1>" in body
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<a href="https://example.org/reunion" rel="nofollow noopener">' in body
    assert "<p>Bonjour,</p>" in body
    assert "Parents de 2nde A" in body
    assert "Ordre du jour.pdf" in body
    assert reverse("news:edit-item", args=[item.code]) not in body


def test_the_author_gets_the_edit_links(cast, login, item):
    body = login(cast.a.teacher).get(item.get_absolute_url()).content.decode()
    assert reverse("news:edit-item", args=[item.code]) in body
    assert reverse("news:delete-item", args=[item.code]) in body


@pytest.mark.parametrize(
    "who",
    ["a.student", "a.other_teacher", "a.tutor", "b.parent", "b.direction", "c.parent", "operator"],
)
def test_others_get_a_404_for_the_item_and_its_file(cast, login, item, who):
    client = login(resolve(cast, who))
    assert client.get(item.get_absolute_url()).status_code == 404
    assert client.get(download_url(item)).status_code == 404


def test_an_expired_item_is_gone_for_its_audience_but_not_for_its_author(cast, login, item):
    move(item, publish_at=in_hours(-5), expires_at=in_hours(-1))
    assert login(cast.a.parent).get(item.get_absolute_url()).status_code == 404
    assert login(cast.a.parent).get(download_url(item)).status_code == 404
    page = login(cast.a.teacher).get(item.get_absolute_url())
    assert page.status_code == 200
    assert "Expirée" in page.content.decode()


def test_the_file_is_downloaded_safely(cast, login, item):
    response = login(cast.a.classmate_parent).get(download_url(item))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Ordre du jour.pdf\"; filename*=UTF-8''Ordre%20du%20jour.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_file_is_a_404(cast, login, item):
    response = login(cast.a.parent).get(
        reverse("news:attachment", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404
