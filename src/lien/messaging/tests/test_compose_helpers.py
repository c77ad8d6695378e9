from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from lien.messaging import compose
from lien.messaging.models import Message

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Sortie au musée", "Re : Sortie au musée"),
        ("Re : Sortie au musée", "Re : Sortie au musée"),
        ("RE: Sortie", "RE: Sortie"),
        ("re:Sortie", "re:Sortie"),
        ("Regards croisés", "Re : Regards croisés"),
        ("  Sortie  ", "Re : Sortie"),
    ],
)
def test_reply_subject_is_prefixed_once(subject, expected):
    assert compose.reply_subject(subject) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Sortie au musée", "Tr : Sortie au musée"),
        ("Tr : Sortie", "Tr : Sortie"),
        ("Fwd: Sortie", "Fwd: Sortie"),
        ("Re : Sortie", "Tr : Re : Sortie"),
        ("Travaux", "Tr : Travaux"),
    ],
)
def test_forward_subject_is_prefixed_once(subject, expected):
    assert compose.forward_subject(subject) == expected


def test_a_prefixed_subject_stays_within_the_maximum_length():
    assert compose.reply_subject("x" * 200) == "Re : " + "x" * 195


def test_the_quote_tells_who_wrote_when_in_paris_time_then_prefixes_each_line(cast):
    cast.a.teacher.user.first_name, cast.a.teacher.user.last_name = "Marc", "Dupont"
    message = Message(
        sender=cast.a.teacher.user,
        sent_at=datetime(2026, 11, 24, 7, 12, tzinfo=ZoneInfo("UTC")),
        body="Bonjour,\n\nRendez-vous à 8 h.",
    )
    assert compose.quote(message) == (
        "\n\nLe 24/11/2026 à 08:12, Marc Dupont a écrit :\n> Bonjour,\n>\n> Rendez-vous à 8 h."
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Bonjour.", "Bonjour.\n\n-- \nM. Dupont"),
        ("Bonjour.\n\n", "Bonjour.\n\n-- \nM. Dupont"),
        ("", "-- \nM. Dupont"),
        (
            "Merci.\n\nLe 24/11/2026 à 08:12, Mme Durand a écrit :\n> Question ?\n>\n> Bien à vous",
            "Merci.\n\n-- \nM. Dupont\n\nLe 24/11/2026 à 08:12, Mme Durand a écrit :\n"
            "> Question ?\n>\n> Bien à vous",
        ),
        (
            "\n\nLe 24/11/2026 à 08:12, Mme Durand a écrit :\n> Question ?",
            "-- \nM. Dupont\n\nLe 24/11/2026 à 08:12, Mme Durand a écrit :\n> Question ?",
        ),
        ("Merci.\n> cité sans en-tête", "Merci.\n> cité sans en-tête\n\n-- \nM. Dupont"),
        ("Je cite :\n> a\nEt je réponds.", "Je cite :\n> a\nEt je réponds.\n\n-- \nM. Dupont"),
    ],
)
def test_the_signature_goes_after_the_text_above_a_quoted_original(body, expected):
    assert compose.add_signature(body, "M. Dupont") == expected


def test_no_signature_leaves_the_body_alone():
    assert compose.add_signature("Bonjour.\n", "") == "Bonjour.\n"


def test_a_scheduled_time_is_read_in_paris_time():
    moment = compose.scheduled_time(datetime(2027, 3, 28).date(), datetime(2027, 1, 1, 8).time())
    assert moment == datetime(2027, 3, 28, 8, 0, tzinfo=PARIS)
    assert moment.utcoffset().total_seconds() == 2 * 3600  # summer time from that morning
