"""« Quoi de neuf ? » on the home pages (lien.home.feed)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from lien.assignments import services as assignments
from lien.assignments.models import Feedback
from lien.assignments.tests.fixtures import hand_in, set_assignment
from lien.core.models import ParentLink
from lien.home.feed import whats_new
from lien.homework.models import WorkItem
from lien.homework.tests.helpers import in_days, write
from lien.messaging import services as messaging
from lien.messaging.models import Message
from lien.messaging.tests.mailbox_fixtures import send
from lien.news.models import NewsItem
from lien.news.tests.fixtures import everyone, publish
from lien.tests.factories import make_profile

pytestmark = pytest.mark.django_db
URL = reverse("home:index")


def texts(who, page=1, per_page=8) -> list[str]:
    return [entry.text for entry in whats_new(who.user, who, page, per_page).entries]


def hours_ago(hours: float):
    return timezone.now() - timedelta(hours=hours)


def written_assignment(teacher, **fields):
    return set_assignment(teacher, accepts_text=True, **fields)


def returned(teacher, student, title="Exercices 12 à 15 page 84"):
    """An assignment handed in by `student` and returned with feedback by `teacher`."""
    submission = hand_in(student, written_assignment(teacher, title=title), text="Ma réponse")
    assignments.check_give_feedback(
        teacher.user, submission, assignments.FeedbackInput(text="Bien.")
    )
    return submission


def test_a_pupil_sees_each_kind_of_news_newest_first(cast):
    a = cast.a
    message = send(a.teacher, a.student, subject="Sortie vendredi")
    item = publish(a.direction, everyone(), title="Portes ouvertes")
    write(a.teacher, [a.class_a], works=(("Exercices", 3, 20),))
    submission = returned(a.teacher, a.student, title="Dissertation")
    Message.objects.filter(pk=message.pk).update(sent_at=hours_ago(1))
    NewsItem.objects.filter(pk=item.pk).update(publish_at=hours_ago(2))
    WorkItem.objects.filter(school_class=a.class_a).update(created_at=hours_ago(3))
    Feedback.objects.filter(submission=submission).update(given_at=hours_ago(4))
    # notify_feedback's own message to the pupil is newer than all of these: leave it out.
    Message.objects.exclude(pk=message.pk).update(sent_at=hours_ago(48))

    page = whats_new(a.student.user, a.student)
    teacher_name = a.teacher.user.get_full_name()
    assert [entry.text for entry in page.entries][:4] == [
        f"Nouveau message de {teacher_name} : Sortie vendredi",
        "Nouvelle actualité : Portes ouvertes",
        f"Nouveau travail en Mathématiques pour le {date_format(in_days(3), 'd/m')}",
        "Travail corrigé : « Dissertation »",
    ]
    assert [entry.url for entry in page.entries][:4] == [
        reverse("messaging:message", args=[message.code]),
        reverse("news:item", args=[item.code]),
        reverse("homework:todo"),
        reverse("assignments:detail", args=[submission.assignment.code]),
    ]
    moments = [entry.moment for entry in page.entries]
    assert moments == sorted(moments, reverse=True)


def test_work_prepared_in_advance_shows_once_visible(cast):
    a = cast.a
    write(a.teacher, [a.class_a], lesson=in_days(5), visible_from=in_days(2))
    assert not [text for text in texts(a.student) if "Nouveau travail" in text]
    WorkItem.objects.update(visible_from=in_days(0), created_at=hours_ago(72))
    [work] = [e for e in whats_new(a.student.user, a.student).entries if e.kind == "work"]
    midnight = timezone.localdate()
    assert work.moment.date() in (midnight, midnight - timedelta(days=1))  # its visibility day


def test_a_parent_sees_each_childs_work_and_feedback(cast):
    a = cast.a
    write(a.teacher, [a.class_a], works=(("Pour l'aînée", 1, 10),))
    write(a.other_teacher, [a.class_b], works=(("Pour le frère", 2, 10),))
    returned(a.teacher, a.student)
    entries = whats_new(a.parent.user, a.parent).entries
    concerns = {(e.kind, e.concerns) for e in entries}
    assert ("work", a.student.user.first_name) in concerns
    assert ("work", a.sibling.user.first_name) in concerns
    assert ("feedback", a.student.user.first_name) in concerns
    sibling_work = next(e for e in entries if e.concerns == a.sibling.user.first_name)
    assert sibling_work.url == f"{reverse('homework:todo')}?enfant={a.sibling.code}"


def test_another_family_sees_nothing_of_a_pupils_work(cast):
    a = cast.a
    returned(a.teacher, a.student)
    write(a.other_teacher, [a.class_b], works=(("Pour le frère", 2, 10),))
    send(a.teacher, a.parent, subject="Rendez-vous")
    classmate_parent = texts(a.classmate_parent)
    assert not [t for t in classmate_parent if "Travail corrigé" in t or "Rendez-vous" in t]
    assert not [t for t in classmate_parent if "Nouveau travail" in t]  # class B's work
    assert not [t for t in texts(a.classmate) if "Travail corrigé" in t]


def test_another_school_sees_nothing(cast):
    a, b, c = cast.a, cast.b, cast.c
    publish(a.direction, everyone(), title="Portes ouvertes")
    write(a.teacher, [a.class_a])
    hand_in(a.student, written_assignment(a.teacher), text="Ma réponse")
    for who in (b.student, b.parent, b.teacher, b.direction, c.direction, c.parent):
        assert texts(who) == []
    assert texts(a.direction) == ["Nouvelle actualité : Portes ouvertes"]


def test_a_teacher_sees_hand_ins_on_their_own_assignments_only(cast):
    a = cast.a
    submission = hand_in(a.student, written_assignment(a.teacher, title="Devoir 1"), text="Réponse")
    page = whats_new(a.teacher.user, a.teacher)
    student_name = a.student.user.get_full_name()
    assert [(e.text, e.url) for e in page.entries] == [
        (
            f"Nouveau dépôt de {student_name} : « Devoir 1 »",
            reverse("assignments:submission", args=[submission.code]),
        )
    ]
    assert texts(a.other_teacher) == []
    assert texts(a.group_teacher) == []


def test_a_profile_of_someone_else_gets_nothing(cast):
    a = cast.a
    send(a.teacher, a.student, subject="Personnel")
    assert whats_new(a.classmate.user, a.student).entries == []


def test_trashed_and_recalled_messages_leave_the_feed(cast):
    a = cast.a
    trashed = send(a.teacher, a.student, subject="À jeter")
    recalled = send(a.teacher, a.student, subject="Rappelé")
    kept = send(a.teacher, a.student, subject="Gardé")
    messaging.do_move(trashed.deliveries.get(), "trash")
    messaging.check_recall(a.teacher.user, recalled)
    assert [t.rsplit(" : ", 1)[1] for t in texts(a.student)] == [kept.subject]


def test_pages_follow_one_another_without_gaps_or_repeats(cast):
    a = cast.a
    for n in range(20):
        message = send(a.teacher, a.student, subject=f"Message {n:02}")
        Message.objects.filter(pk=message.pk).update(sent_at=hours_ago(20 - n))
    first, second, third = (whats_new(a.student.user, a.student, n) for n in (1, 2, 3))
    newest = [f"Message {n:02}" for n in range(19, -1, -1)]
    subjects = [[e.text.rsplit(" : ", 1)[1] for e in p.entries] for p in (first, second, third)]
    assert subjects == [newest[:8], newest[8:16], newest[16:]]
    assert (first.has_previous, first.has_next) == (False, True)
    assert (second.has_previous, second.has_next) == (True, True)
    assert (third.has_previous, third.has_next) == (True, False)


def feed_queries(who) -> int:
    with CaptureQueriesContext(connection) as queries:
        whats_new(who.user, who, page=2, per_page=3)
    return len(queries)


@pytest.mark.parametrize("role", ["student", "parent", "teacher", "direction"])
def test_the_same_queries_for_little_or_much_data(cast, role):
    a = cast.a
    who = getattr(a, role)

    def add_data(count):
        for n in range(count):
            send(a.direction, a.student, a.parent, a.teacher, subject=f"Info {n}")
            publish(a.direction, everyone(), title=f"Actualité {n}")
            write(a.teacher, [a.class_a], works=((f"Travail {n}", 2, 10),))
            write(a.other_teacher, [a.class_b], works=((f"Travail B {n}", 2, 10),))
            returned(a.teacher, a.student, title=f"Devoir {n}")

    add_data(1)
    little = feed_queries(who)
    add_data(6)
    child = make_profile("student", a.establishment)
    ParentLink.objects.create(parent=a.parent, student=child)
    assert feed_queries(who) == little
    assert len(whats_new(who.user, who, page=2, per_page=3).entries) == 3


@pytest.mark.parametrize("role", ["student", "parent", "teacher", "direction"])
def test_each_home_page_shows_the_section(cast, login, role):
    a = cast.a
    send(a.school_life, a.student, a.parent, a.teacher, a.direction, subject="Réunion")
    page = login(getattr(a, role)).get(URL).content.decode()
    assert "Quoi de neuf ?" in page
    assert "Réunion" in page


def test_the_page_links_work_without_javascript_and_each_page_is_its_own_piece(cast, login):
    a = cast.a
    for n in range(10):
        message = send(a.teacher, a.student, subject=f"Message {n:02}")
        Message.objects.filter(pk=message.pk).update(sent_at=hours_ago(20 - n))
    client = login(a.student)
    first = client.get(URL).content.decode()
    assert "Message 09" in first and "Message 01" not in first
    assert "?nouveautes=2#quoi-de-neuf" in first and "Plus ancien" in first
    assert "Plus récent" not in first
    second = client.get(URL, {"nouveautes": "2"}).content.decode()
    assert "Message 01" in second and "Message 09" not in second
    assert "?nouveautes=1#quoi-de-neuf" in second and "Plus récent" in second
    for garbage in ("abc", "-3", ""):
        assert "Message 09" in client.get(URL, {"nouveautes": garbage}).content.decode()


def test_a_parent_keeps_the_chosen_child_when_paging(cast, login):
    a = cast.a
    for n in range(10):
        send(a.teacher, a.parent, subject=f"Message {n}")
    page = login(a.parent).get(URL, {"enfant": str(a.sibling.code)}).content.decode()
    assert f"?enfant={a.sibling.code}&amp;nouveautes=2#quoi-de-neuf" in page


def test_what_happens_next_shows_at_once_on_the_cached_home_page(cast, login):
    a = cast.a
    client = login(a.parent)
    assert "Rendez-vous" not in client.get(URL).content.decode()
    send(a.teacher, a.parent, subject="Rendez-vous")
    write(a.teacher, [a.class_a], works=(("Exercices", 4, 10),))
    returned(a.teacher, a.student, title="Le devoir")
    publish(a.direction, everyone(), title="Kermesse")
    page = client.get(URL).content.decode()
    for expected in ("Rendez-vous", "Nouveau travail en Mathématiques", "Le devoir", "Kermesse"):
        assert expected in page
    assert "Travail corrigé : « Le devoir »" in page
