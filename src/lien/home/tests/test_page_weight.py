"""The login and home pages stay under 50 KB transferred (HTML + CSS + JS, gzip-compressed)."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

BUDGET_BYTES = 50 * 1024


def transferred_size(client, html: bytes) -> int:
    """Compressed size of the page and of every stylesheet and script it links to."""
    total = len(gzip.compress(html))
    for asset in re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html):
        path = finders.find(asset.decode())
        assert path, f"missing static file {asset!r}"
        with open(path, "rb") as static_file:
            total += len(gzip.compress(static_file.read()))
    return total


def test_login_page_is_within_budget(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert transferred_size(client, response.content) < BUDGET_BYTES


@pytest.mark.parametrize(
    "who", ["a.student", "a.parent", "a.teacher", "a.direction", "operator", "a.tutor"]
)
def test_home_pages_are_within_budget(cast, login, who):
    profile = cast
    for attribute in who.split("."):
        profile = getattr(profile, attribute)
    client = login(profile)
    response = client.get(reverse("home:index"))
    assert response.status_code == 200
    assert transferred_size(client, response.content) < BUDGET_BYTES
