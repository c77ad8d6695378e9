"""The « Messagerie » link in the header, with the unread count (context processor)."""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from lien.messaging import services
from lien.messaging.context_processors import messaging
from lien.messaging.models import Delivery
from lien.messaging.tests.mailbox_fixtures import delivery, send

HOME = reverse("home:index")
INBOX = reverse("messaging:inbox")


def test_header_links_to_the_inbox_with_the_unread_count(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Un")
    send(cast.a.direction, cast.a.parent, subject="Deux")
    body = login(cast.a.parent).get(HOME).content.decode()
    assert (
        f'<a href="{INBOX}">Messagerie <span class="badge">2'
        '<span class="visually-hidden"> non lus</span></span></a>'
    ) in body


def test_header_shows_no_count_when_everything_is_read(cast, login):
    message = send(cast.a.teacher, cast.a.parent)
    services.do_mark_read(delivery(message, cast.a.parent))
    body = login(cast.a.parent).get(HOME).content.decode()
    assert f'<a href="{INBOX}">Messagerie</a>' in body


def test_the_count_leaves_out_scheduled_recalled_archived_and_others_messages(cast, login):
    send(cast.a.teacher, cast.a.parent, subject="Compte")
    send(cast.a.teacher, cast.a.parent, send_at=timezone.now() + timedelta(hours=3))
    recalled = send(cast.a.teacher, cast.a.parent)
    services.check_recall(cast.a.teacher.user, recalled)
    archived = send(cast.a.teacher, cast.a.parent)
    services.do_move(delivery(archived, cast.a.parent), Delivery.Box.ARCHIVE)
    send(cast.a.teacher, cast.a.classmate_parent)
    body = login(cast.a.parent).get(HOME).content.decode()
    assert 'Messagerie <span class="badge">1<span class="visually-hidden"> non lu</span>' in body


def test_anonymous_visitors_cost_no_query_and_see_no_link(db, client, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert messaging(request) == {}
    assert "Messagerie" not in client.get(reverse("accounts:login")).content.decode()


def test_the_count_is_one_query_made_once_per_request(cast, django_assert_num_queries):
    send(cast.a.teacher, cast.a.parent)
    request = RequestFactory().get("/")
    request.user = cast.a.parent.user
    context = messaging(request)
    with django_assert_num_queries(1):
        assert context["messaging_unread"]() == 1
        assert context["messaging_unread"]() == 1


def test_the_folders_are_only_queried_when_shown(cast, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = cast.a.parent.user
    with django_assert_num_queries(0):
        messaging(request)
