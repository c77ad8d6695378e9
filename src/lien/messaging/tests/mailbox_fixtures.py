"""Helpers for the mailbox tests: messages are sent through the services, as users would."""

from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lien.core import fragments
from lien.messaging import services
from lien.messaging.models import Address, Delivery

Kind = Address.Kind


def to(who, field="to") -> Address:
    return Address(kind=Kind.USER, user=getattr(who, "user", who), field=field)


def class_parents(school_class, field="to") -> Address:
    return Address(kind=Kind.CLASS_PARENTS, school_class=school_class, field=field)


def send(sender, *addresses, subject="Question", body="Bonjour.", **draft):
    """Send as `sender` (a profile) to addresses (profiles, users or `Address` objects)."""
    addresses = [a if isinstance(a, Address) else to(a) for a in addresses]
    return services.check_send(
        sender.user,
        sender.establishment,
        services.Draft(subject=subject, body=body, addresses=addresses, **draft),
    )


def delivery(message, who) -> Delivery:
    return Delivery.objects.get(message=message, recipient=getattr(who, "user", who))


def subjects(response) -> list[str]:
    return [row.subject for row in response.context["rows"]]


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def count_queries(client, url) -> int:
    """Queries of a GET, after a first one (which also loads the session and caches), with the
    user's cached pieces of page forgotten: what a page costs after a change."""
    client.get(url)
    fragments.touch([client.session[SESSION_KEY]])
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)
