"""/exploitation/metriques/: from the loopback address or with the bearer token, nobody else."""

import pytest
from django.urls import reverse

URL = reverse("ops:metrics")
ELSEWHERE = "203.0.113.7"
TOKEN = "jeton-de-supervision-de-test-0123456789"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.LIEN_METRICS_TOKEN = TOKEN


def scrape(client, address="127.0.0.1", **headers):
    return client.get(URL, REMOTE_ADDR=address, headers=headers)


def test_metrics_are_at_exploitation_metriques():
    assert URL == "/exploitation/metriques/"


def test_a_scraper_on_the_loopback_address_reads_them_in_the_prometheus_format(client, db):
    client.get(reverse("health"))
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    body = response.content.decode()
    assert "# TYPE lien_http_requests_total counter" in body
    assert 'lien_http_route_duration_seconds_count{route="health"}' in body
    assert "# TYPE lien_login_gate_total counter" in body


def test_ipv6_loopback_is_the_loopback_address_too(client, db):
    assert scrape(client, "::1").status_code == 200


def test_the_bearer_token_opens_them_from_elsewhere(client, db):
    assert scrape(client, ELSEWHERE, Authorization=f"Bearer {TOKEN}").status_code == 200


def test_an_anonymous_visitor_from_elsewhere_gets_404(client, db):
    assert scrape(client, ELSEWHERE).status_code == 404


def test_a_wrong_token_gets_403_even_on_the_loopback_address(client, db):
    assert scrape(client, ELSEWHERE, Authorization="Bearer devine").status_code == 403
    assert scrape(client, Authorization="Bearer devine").status_code == 403


def test_no_token_opens_them_while_none_is_configured(client, db, settings):
    settings.LIEN_METRICS_TOKEN = ""
    assert scrape(client, ELSEWHERE, Authorization="Bearer ").status_code == 403
    assert scrape(client, ELSEWHERE).status_code == 404


def test_a_request_relayed_by_a_reverse_proxy_is_not_from_this_machine(client, db):
    """Behind nginx on the same machine every visitor arrives from 127.0.0.1."""
    assert scrape(client, **{"X-Forwarded-For": ELSEWHERE}).status_code == 404
    assert scrape(client, **{"X-Real-IP": ELSEWHERE}).status_code == 404
    assert scrape(client, Forwarded=f"for={ELSEWHERE}").status_code == 404


@pytest.mark.parametrize(
    "who",
    ["student", "parent", "teacher", "direction", "ent_admin", "tutor"],
)
def test_people_of_a_school_signed_in_are_refused_even_on_the_loopback_address(cast, login, who):
    client = login(getattr(cast.a, who))
    assert scrape(client).status_code == 403
    assert scrape(client, ELSEWHERE).status_code == 404


def test_operators_of_either_collectivite_read_them_on_the_loopback_address(cast, login):
    assert scrape(login(cast.operator)).status_code == 200
    assert scrape(login(cast.other_operator)).status_code == 200


def test_an_operator_from_elsewhere_without_the_token_gets_404(cast, login):
    assert scrape(login(cast.operator), ELSEWHERE).status_code == 404


def test_it_refuses_post(client, db):
    assert client.post(URL).status_code == 405
