"""Searching one's own messages (subject and body)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from lien.messaging import services
from lien.messaging.models import Delivery, Message
from lien.messaging.tests.mailbox_fixtures import count_queries, delivery, send, subjects

SEARCH = reverse("messaging:search")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="French full-text search needs PostgreSQL (run with DATABASE_URL=postgres://…)",
)


def search(client, query, **params):
    return client.get(SEARCH, {"q": query, **params})


def test_it_requires_login(client):
    response = client.get(SEARCH, {"q": "sortie"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_without_a_query_the_page_only_shows_the_form(cast, login):
    response = login(cast.a.parent).get(SEARCH)
    assert response.status_code == 200
    assert "rows" not in response.context
    assert '<input type="search" id="messaging-search-q" name="q" value="">' in (
        response.content.decode()
    )


def test_it_finds_received_and_sent_messages_by_subject_or_body(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Sortie au musée", body="Départ à 8 h.")
    send(cast.a.parent, cast.a.teacher, subject="Question", body="Pour la sortie, faut-il…")
    send(cast.a.teacher, cast.a.parent, subject="Cantine", body="Menu de la semaine.")
    response = search(login(cast.a.parent), "sortie")
    assert response.status_code == 200
    assert subjects(response) == ["Question", "Sortie au musée"]
    sent_row, received_row = response.context["rows"]
    assert (sent_row.is_sent, received_row.is_sent) == (True, False)
    assert received_row.is_unread is True
    assert "Résultats pour « sortie »" in response.content.decode()


def test_every_word_must_match(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Sortie au musée")
    send(cast.a.teacher, cast.a.parent, subject="Sortie au stade")
    assert subjects(search(login(cast.a.parent), "sortie musée")) == ["Sortie au musée"]


def test_it_never_finds_other_peoples_or_hidden_messages(cast, login):
    send(cast.a.teacher, cast.a.classmate_parent, subject="Sortie autre famille")
    send(cast.b.teacher, cast.b.parent, subject="Sortie autre établissement")
    send(
        cast.a.teacher,
        cast.a.parent,
        subject="Sortie programmée",
        send_at=timezone.now() + timedelta(hours=1),
    )
    recalled = send(cast.a.teacher, cast.a.parent, subject="Sortie rappelée")
    services.check_recall(cast.a.teacher.user, recalled)
    deleted = send(cast.a.teacher, cast.a.parent, subject="Sortie supprimée")
    services.do_move(delivery(deleted, cast.a.parent), Delivery.Box.DELETED)
    services.do_save_draft(
        cast.a.parent.user,
        cast.a.establishment,
        services.Draft(subject="Sortie en brouillon", body="", addresses=[]),
    )
    kept = send(cast.a.teacher, cast.a.parent, subject="Sortie visible")
    services.do_move(delivery(kept, cast.a.parent), Delivery.Box.TRASH)
    assert subjects(search(login(cast.a.parent), "sortie")) == ["Sortie visible"]


def test_messages_the_sender_deleted_for_good_are_not_found(cast, login):
    message = send(cast.a.teacher, cast.a.parent, subject="Sortie")
    Message.objects.filter(pk=message.pk).update(sender_folder="deleted")
    assert subjects(search(login(cast.a.teacher), "sortie")) == []
    assert subjects(search(login(cast.a.parent), "sortie")) == ["Sortie"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("   ", "Saisissez un ou plusieurs mots à rechercher."),
        ("x" * 201, "La recherche est trop longue (200 caractères au plus)."),
    ],
)
def test_a_bad_query_gets_a_clear_error(cast, login, query, error):
    response = search(login(cast.a.parent), query)
    assert response.status_code == 400
    assert response.context["search_error"] == error
    assert '<p class="form-error" role="alert">' in response.content.decode()


def test_an_empty_result_says_so(cast, login):
    response = search(login(cast.a.parent), "introuvable")
    assert subjects(response) == []
    assert "Aucun message ne correspond à votre recherche." in response.content.decode()


def test_results_are_paginated_and_keep_the_query(cast, login):
    for number in range(27):
        send(cast.a.teacher, cast.a.parent, subject=f"Sortie {number:02d}")
    client = login(cast.a.parent)
    first = search(client, "sortie")
    assert len(first.context["rows"]) == 25
    assert '<a href="?q=sortie&amp;page=2" rel="next">Page suivante</a>' in (first.content.decode())
    assert subjects(search(client, "sortie", page=2)) == ["Sortie 01", "Sortie 00"]


def test_search_queries_do_not_grow_with_the_number_of_results(cast, login):
    def exchange(count):
        for number in range(count):
            send(cast.a.teacher, cast.a.parent, subject=f"Sortie {number}")
            send(cast.a.parent, cast.a.teacher, subject=f"Re sortie {number}")

    exchange(1)
    client = login(cast.a.parent)
    url = f"{SEARCH}?q=sortie"
    with_two = count_queries(client, url)
    exchange(9)
    assert count_queries(client, url) == with_two


@on_postgresql
def test_postgresql_search_understands_french_word_forms(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Sortie au musée", body="Les élèves partiront.")
    send(cast.a.teacher, cast.a.parent, subject="Cantine", body="Les menus changent.")
    client = login(cast.a.parent)
    assert subjects(search(client, "sorties")) == ["Sortie au musée"]
    assert subjects(search(client, "élève partir")) == ["Sortie au musée"]
    assert subjects(search(client, "menus")) == ["Cantine"]
    assert subjects(search(client, "sortie -musée")) == []
    assert subjects(search(client, '"au musée" OR cantine')) == ["Cantine", "Sortie au musée"]
