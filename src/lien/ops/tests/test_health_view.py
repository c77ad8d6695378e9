from django.urls import reverse

URL = reverse("health")


def test_health_is_at_sante():
    assert URL == "/sante/"


def test_health_answers_ok_in_plain_text_to_an_anonymous_visitor(client):
    # No `db` fixture: pytest-django would fail this test on any database access.
    response = client.get(URL)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain"


def test_health_runs_no_sql_query(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(URL)
    assert response.status_code == 200


def test_health_refuses_post(client):
    response = client.post(URL)
    assert response.status_code == 405
