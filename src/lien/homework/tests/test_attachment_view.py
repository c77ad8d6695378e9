"""Downloading an entry's files: readers of the entry only, always as a download."""

import pytest
from django.urls import reverse

from lien.homework.tests.helpers import PDF, in_days, pdf, write

pytestmark = pytest.mark.django_db


def url(attachment):
    return reverse("homework:attachment", kwargs={"code": attachment.code})


def test_readers_download_the_file_safely(cast, login):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a], files=[pdf("Cours n°3.pdf")])
    attachment = entry.attachments.get()
    response = login(a.student).get(url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert login(a.parent).get(url(attachment)).status_code == 200


@pytest.mark.parametrize("who", ["a.other_class_student", "a.sibling", "b.student", "c.teacher"])
def test_others_get_not_found(cast, login, who):
    a = cast.a
    [entry] = write(a.teacher, [a.class_a], files=[pdf()])
    profile = cast
    for part in who.split("."):
        profile = getattr(profile, part)
    assert login(profile).get(url(entry.attachments.get())).status_code == 404


def test_files_of_a_prepared_entry_wait_for_its_date(cast, login):
    a = cast.a
    [entry] = write(
        a.teacher, [a.class_a], lesson=in_days(2), visible_from=in_days(2), files=[pdf()]
    )
    attachment = entry.attachments.get()
    assert login(a.student).get(url(attachment)).status_code == 404
    assert login(a.teacher).get(url(attachment)).status_code == 200
