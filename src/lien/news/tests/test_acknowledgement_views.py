"""« Lu et pris connaissance »: parents confirm with one click; the author and the staff see who
has not confirmed yet (/actualites/<code>/confirmations/) and remind them by a message, at most
once an hour."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lien.core.models import Enrolment, ParentLink, Profile
from lien.messaging.models import Delivery, Message
from lien.news.models import Acknowledgement, Reminder
from lien.news.tests.fixtures import everyone, in_hours, move, parents_of, publish, pupils_of
from lien.tests.factories import make_profile
from lien.tests.world import resolve

Role = Profile.Role


def acknowledge_url(item) -> str:
    return reverse("news:acknowledge", args=[item.code])


def status_url(item) -> str:
    return reverse("news:acknowledgements", args=[item.code])


def remind_url(item) -> str:
    return reverse("news:remind", args=[item.code])


def missing_names(response) -> list[str]:
    return [missing.user.get_full_name() for missing in response.context["page_obj"].object_list]


@pytest.fixture
def item(cast):
    """An item of 2nde A's teacher to the parents of 2nde A, asking for a confirmation."""
    return publish(
        cast.a.teacher,
        parents_of(cast.a.class_a),
        title="Autorisation de sortie",
        requires_acknowledgement=True,
    )


def test_a_parent_confirms_with_one_click_and_the_missing_list_shrinks(cast, login, item):
    a = cast.a
    teacher = login(a.teacher)
    before = teacher.get(status_url(item))
    assert before.status_code == 200
    assert (before.context["status"].asked, before.context["status"].confirmed) == (2, 0)
    assert sorted(missing_names(before)) == sorted(
        [a.parent.user.get_full_name(), a.classmate_parent.user.get_full_name()]
    )

    parent = login(a.parent)
    page = parent.get(item.get_absolute_url()).content.decode()
    assert "J'ai lu et pris connaissance" in page
    response = parent.post(acknowledge_url(item))
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    page = parent.get(item.get_absolute_url()).content.decode()
    assert "Merci : votre confirmation de lecture est enregistrée." in page
    assert "Vous avez confirmé avoir lu et pris connaissance" in page
    assert "J'ai lu et pris connaissance</button>" not in page

    after = login(a.teacher).get(status_url(item))
    assert (after.context["status"].asked, after.context["status"].confirmed) == (2, 1)
    assert missing_names(after) == [a.classmate_parent.user.get_full_name()]
    assert "1 parent sur 2 a confirmé." in after.content.decode()


def test_confirming_twice_keeps_one_confirmation(cast, login, item):
    client = login(cast.a.parent)
    client.post(acknowledge_url(item))
    first = Acknowledgement.objects.get()
    client.post(acknowledge_url(item))
    assert list(Acknowledgement.objects.all()) == [first]


def test_the_item_page_shows_the_count_to_the_author(cast, login, item):
    Acknowledgement.objects.create(item=item, user=cast.a.parent.user)
    page = login(cast.a.teacher).get(item.get_absolute_url()).content.decode()
    assert "1 parent sur 2 a confirmé." in page
    assert status_url(item) in page
    assert "J'ai lu et pris connaissance</button>" not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.teacher", 403),  # sees it, but is not a parent asked to confirm
        ("a.direction", 403),
        ("a.student", 404),
        ("a.other_class_parent", 404),  # a parent of another class: does not even see it
        ("b.parent", 404),
        ("c.parent", 404),
    ],
)
def test_only_the_parents_asked_may_confirm(cast, login, item, who, status):
    a = cast.a
    a.other_class_parent = make_profile(Role.PARENT, a.establishment, username="a.parent3")
    ParentLink.objects.create(parent=a.other_class_parent, student=a.other_class_student)
    assert login(resolve(cast, who)).post(acknowledge_url(item)).status_code == status
    assert not Acknowledgement.objects.exists()


def test_an_item_without_confirmation_cannot_be_confirmed(cast, login):
    plain = publish(cast.a.teacher, parents_of(cast.a.class_a))
    client = login(cast.a.parent)
    client.post(acknowledge_url(plain))
    assert not Acknowledgement.objects.exists()
    assert "ne demande pas de confirmation" in client.get(plain.get_absolute_url()).content.decode()
    assert login(cast.a.teacher).get(status_url(plain)).status_code == 404


def test_an_expired_item_can_no_longer_be_confirmed(cast, login, item):
    move(item, publish_at=in_hours(-5), expires_at=in_hours(-1))
    assert login(cast.a.parent).post(acknowledge_url(item)).status_code == 404
    assert not Acknowledgement.objects.exists()


def test_an_item_to_the_whole_establishment_asks_every_parent(cast, login):
    item = publish(cast.a.direction, everyone(), requires_acknowledgement=True)
    response = login(cast.a.direction).get(status_url(item))
    assert response.context["status"].asked == 2
    assert login(cast.a.classmate_parent).post(acknowledge_url(item)).status_code == 302
    assert login(cast.b.parent).post(acknowledge_url(item)).status_code == 404
    assert Acknowledgement.objects.count() == 1


def test_an_item_asking_pupils_only_cannot_ask_for_a_confirmation(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        publish(cast.a.teacher, pupils_of(cast.a.class_a), requires_acknowledgement=True)
    assert "requires_acknowledgement" in refused.value.message_dict


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.parent", 403),
        ("a.group_teacher", 403),
        ("a.other_teacher", 404),
        ("b.direction", 404),
        ("c.direction", 404),
    ],
)
def test_others_may_not_see_who_confirmed(cast, login, item, who, status):
    assert login(resolve(cast, who)).get(status_url(item)).status_code == status


@pytest.mark.parametrize("who", ["a.librarian", "a.school_life"])
def test_any_staff_member_follows_the_confirmations(cast, login, item, who):
    assert login(resolve(cast, who)).get(status_url(item)).status_code == 200


def test_the_follow_page_runs_the_same_queries_for_more_parents(cast, login, item):
    a = cast.a
    client = login(a.teacher)
    for _warm in range(2):
        client.get(status_url(item))

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(status_url(item))
        return len(queries.captured_queries), len(response.context["page_obj"].object_list)

    few, shown = count()
    assert shown == 2
    for number in range(6):
        pupil = make_profile(Role.STUDENT, a.establishment, username=f"a.pupil{number}")
        Enrolment.objects.create(student=pupil, school_class=a.class_a, school_year=a.year)
        parent = make_profile(Role.PARENT, a.establishment, username=f"a.mother{number}")
        ParentLink.objects.create(parent=parent, student=pupil)
    many, shown = count()
    assert shown == 8
    assert many == few


# Reminders --------------------------------------------------------------------------------------


def test_a_reminder_goes_to_the_parents_who_have_not_confirmed_only(cast, login, item):
    a = cast.a
    Acknowledgement.objects.create(item=item, user=a.parent.user)
    client = login(a.teacher)
    response = client.post(remind_url(item))
    assert response.status_code == 302
    assert response["Location"] == status_url(item)
    message = Message.objects.get()
    assert (message.sender, message.is_no_reply, message.subject) == (
        a.teacher.user,
        True,
        "À confirmer : Autorisation de sortie",
    )
    assert f"http://testserver{item.get_absolute_url()}" in message.body
    assert list(Delivery.objects.values_list("recipient", flat=True)) == [
        a.classmate_parent.user.pk
    ]
    reminder = Reminder.objects.get()
    assert (reminder.sent_by, reminder.recipient_count) == (a.teacher.user, 1)
    page = client.get(status_url(item)).content.decode()
    assert "Relance envoyée par la messagerie à 1 parent." in page
    assert "prochaine relance possible à" in page


def test_no_second_reminder_within_the_hour(cast, login, item):
    client = login(cast.a.direction)
    client.post(remind_url(item))
    client.post(remind_url(item))
    assert Message.objects.count() == 1
    assert Reminder.objects.count() == 1
    page = client.get(status_url(item)).content.decode()
    assert "Une relance est déjà partie le" in page
    Reminder.objects.update(sent_at=timezone.now() - timedelta(minutes=61))
    client.post(remind_url(item))
    assert Message.objects.count() == 2
    # The message comes from the author, whoever asked for it.
    assert set(Message.objects.values_list("sender", flat=True)) == {cast.a.teacher.user.pk}


def test_nobody_to_remind_once_everyone_confirmed(cast, login, item):
    for parent in (cast.a.parent, cast.a.classmate_parent):
        Acknowledgement.objects.create(item=item, user=parent.user)
    client = login(cast.a.teacher)
    assert "Tous les parents ont confirmé." in client.get(status_url(item)).content.decode()
    client.post(remind_url(item))
    assert not Message.objects.exists()
    assert "personne à relancer" in client.get(status_url(item)).content.decode()


def test_a_scheduled_item_cannot_be_reminded(cast, login, item):
    move(item, publish_at=in_hours(3))
    client = login(cast.a.teacher)
    client.post(remind_url(item))
    assert not Message.objects.exists()
    assert "n&#x27;est pas en ligne" in client.get(status_url(item)).content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("a.parent", 403), ("a.group_teacher", 403), ("b.direction", 404), ("c.direction", 404)],
)
def test_others_may_not_remind(cast, login, item, who, status):
    assert login(resolve(cast, who)).post(remind_url(item)).status_code == status
    assert not Message.objects.exists()
    assert not Reminder.objects.exists()
