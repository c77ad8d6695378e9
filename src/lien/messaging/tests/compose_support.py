"""Helpers shared by the compose, reply and draft tests."""

import html
import re
import uuid

from django.urls import reverse

from lien.messaging import compose, services
from lien.messaging.models import Address, Message

Kind = Address.Kind
COMPOSE = reverse("messaging:compose")

LIST_CHECKBOX = re.compile(
    r'<input type="checkbox" name="lists" value="([^"]+)"( checked)?> ([^<]+)</label>'
)
PERSON = re.compile(r'<input type="hidden" name="people" value="([^"]+)">')


def key(kind, target=None) -> str:
    return compose.list_key(kind, target)


def form(**fields) -> dict:
    """A compose form as a browser posts it; `action` defaults to "send"."""
    data = {
        "subject": "Sortie au musée",
        "body": "Merci de signer l'autorisation.",
        "action": "send",
        "idempotency_key": uuid.uuid4().hex,
        "with_signature": "on",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def offered_lists(response) -> dict[str, str]:
    """The lists a compose page offers: key → label."""
    body = response.content.decode()
    return {value: html.unescape(label) for value, _, label in LIST_CHECKBOX.findall(body)}


def checked_lists(response) -> set[str]:
    body = response.content.decode()
    return {value for value, checked, _ in LIST_CHECKBOX.findall(body) if checked}


def chosen_people(response) -> list[str]:
    return PERSON.findall(response.content.decode())


def send(profile, addresses, **draft) -> Message:
    """A message sent through the services, as other pages' tests do."""
    return services.check_send(
        profile.user,
        profile.establishment,
        services.Draft(
            subject=draft.pop("subject", "Sortie au musée"),
            body=draft.pop("body", "Rendez-vous à 8 h.\nPrévoir un pique-nique."),
            addresses=addresses,
            **draft,
        ),
    )


def to_user(profile, field="to") -> Address:
    return Address(kind=Kind.USER, user=profile.user, field=field)


def drafts_of(profile):
    return Message.objects.filter(sender=profile.user, sent_at__isnull=True)
