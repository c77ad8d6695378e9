"""The optional validation step: the direction switches it on (/actualites/reglages/); a
teacher's item is then submitted, and the direction or the vie scolaire publish it or send it
back from /actualites/a-valider/."""

import pytest
from django.urls import reverse

from lien.news import services
from lien.news.models import NewsItem, NewsSettings
from lien.news.tests.fixtures import everyone, in_hours, move, parents_of, publish
from lien.tests.world import resolve

SETTINGS = reverse("news:settings")
QUEUE = reverse("news:validation-queue")


def publish_url(item) -> str:
    return reverse("news:publish-item", args=[item.code])


def return_url(item) -> str:
    return reverse("news:return-item", args=[item.code])


@pytest.fixture
def validated(cast):
    NewsSettings.objects.create(establishment=cast.a.establishment, teachers_need_validation=True)
    return cast


def test_by_default_teachers_publish_directly(cast, login):
    assert services.news_settings(cast.a.establishment).teachers_need_validation is False
    assert publish(cast.a.teacher, parents_of(cast.a.class_a)).status == "published"


def test_the_direction_switches_validation_on_and_off(cast, login):
    client = login(cast.a.direction)
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert page.context["form"]["teachers_need_validation"].value() is False
    response = client.post(SETTINGS, {"teachers_need_validation": "on"})
    assert response.status_code == 302
    assert services.news_settings(cast.a.establishment).teachers_need_validation is True
    assert "Réglages des actualités enregistrés." in client.get(SETTINGS).content.decode()
    client.post(SETTINGS, {})
    assert services.news_settings(cast.a.establishment).teachers_need_validation is False
    assert NewsSettings.objects.count() == 1


@pytest.mark.parametrize("who", ["a.school_life", "a.ent_admin", "a.teacher", "a.parent"])
def test_other_roles_may_not_change_the_settings(cast, login, who):
    client = login(resolve(cast, who))
    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, {"teachers_need_validation": "on"}).status_code == 403
    assert not NewsSettings.objects.exists()


def test_the_direction_of_school_b_changes_only_school_b(cast, login):
    login(cast.b.direction).post(SETTINGS, {"teachers_need_validation": "on"})
    assert services.news_settings(cast.a.establishment).teachers_need_validation is False
    assert services.news_settings(cast.b.establishment).teachers_need_validation is True


def test_a_teachers_item_waits_in_the_queue_then_the_direction_publishes_it(validated, login):
    a = validated.a
    teacher = login(a.teacher)
    form = teacher.get(reverse("news:create-item")).content.decode()
    assert "Soumettre à la validation" in form
    teacher.post(
        reverse("news:create-item"),
        {
            "title": "Sortie au musée",
            "body": "Jeudi.",
            "audiences": [f"class_parents:{a.class_a.code}"],
            "action": "publish",
        },
    )
    item = NewsItem.objects.get()
    assert item.status == "submitted"
    assert "envoyée à la direction" in teacher.get(item.get_absolute_url()).content.decode()
    assert not services.visible_news(a.parent.user, a.parent).exists()

    direction = login(a.direction)
    queue = direction.get(QUEUE)
    assert queue.status_code == 200
    assert [queued.title for queued in queue.context["items"]] == ["Sortie au musée"]
    assert "À valider (1)" in direction.get(reverse("news:list")).content.decode()
    response = direction.post(publish_url(item))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.published_by) == ("published", a.direction.user)
    assert services.visible_news(a.parent.user, a.parent).get() == item
    assert "« Sortie au musée » est publiée." in direction.get(QUEUE).content.decode()


def test_the_vie_scolaire_sends_an_item_back_with_a_remark(validated, login):
    a = validated.a
    item = publish(a.teacher, parents_of(a.class_a))
    client = login(a.school_life)
    response = client.post(return_url(item), {"note": "Précisez l'heure du retour."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("draft", "Précisez l'heure du retour.")
    page = login(a.teacher).get(reverse("news:edit-item", args=[item.code])).content.decode()
    assert "Remarque de la validation : Précisez l&#x27;heure du retour." in page
    # Submitted again, the remark goes.
    resubmitted = services.check_save_item(
        a.teacher.user,
        a.establishment,
        services.ItemDraft("Sortie", "Retour à 17 h.", [parents_of(a.class_a)]),
        item,
        publish=True,
    )
    assert (resubmitted.status, resubmitted.review_note) == ("submitted", "")


def test_a_too_long_remark_is_refused_and_the_item_stays_submitted(validated, login):
    item = publish(validated.a.teacher, parents_of(validated.a.class_a))
    client = login(validated.a.direction)
    client.post(return_url(item), {"note": "x" * 501})
    item.refresh_from_db()
    assert item.status == "submitted"
    assert "La remarque est trop longue (500 caractères au plus)." in client.get(
        QUEUE
    ).content.decode().replace("&#x27;", "'")


def test_staff_items_never_wait(validated):
    assert publish(validated.a.librarian, everyone()).status == "published"


def test_an_item_already_handled_is_not_published_twice(validated, login):
    item = publish(validated.a.teacher, parents_of(validated.a.class_a))
    client = login(validated.a.direction)
    client.post(publish_url(item))
    client.post(publish_url(item))
    assert "Cette actualité n&#x27;attend plus de validation." in client.get(QUEUE).content.decode()


def test_a_scheduled_item_keeps_its_date_and_a_past_one_is_published_now(validated, login):
    a = validated.a
    later = publish(a.teacher, parents_of(a.class_a), publish_at=in_hours(30))
    earlier = publish(a.teacher, parents_of(a.class_a))
    move(earlier, publish_at=in_hours(-30))
    client = login(a.direction)
    client.post(publish_url(later))
    client.post(publish_url(earlier))
    later.refresh_from_db()
    earlier.refresh_from_db()
    assert later.state == "scheduled"
    assert earlier.state == "public"
    assert earlier.publish_at > in_hours(-0.1)


@pytest.mark.parametrize(
    ("who", "status"),
    [("a.librarian", 403), ("a.teacher", 403), ("b.direction", 404), ("c.direction", 404)],
)
def test_others_may_not_validate_and_nothing_changes(validated, login, who, status):
    item = publish(validated.a.teacher, parents_of(validated.a.class_a))
    client = login(resolve(validated, who))
    assert client.post(publish_url(item)).status_code == status
    assert client.post(return_url(item), {"note": "Non"}).status_code == status
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("submitted", "")


@pytest.mark.parametrize("who", ["a.librarian", "a.teacher", "a.parent", "operator"])
def test_the_queue_is_for_the_validators_only(validated, login, who):
    assert login(resolve(validated, who)).get(QUEUE).status_code == 403


def test_the_queue_of_school_b_shows_nothing_of_school_a(validated, login):
    publish(validated.a.teacher, parents_of(validated.a.class_a))
    response = login(validated.b.direction).get(QUEUE)
    assert list(response.context["items"]) == []


def test_a_teacher_changing_a_published_item_submits_it_again(cast, login):
    a = cast.a
    item = publish(a.teacher, parents_of(a.class_a), title="Sortie")
    NewsSettings.objects.create(establishment=a.establishment, teachers_need_validation=True)
    client = login(a.teacher)
    page = client.get(reverse("news:edit-item", args=[item.code])).content.decode()
    assert "Soumettre à la validation" in page
    client.post(
        reverse("news:edit-item", args=[item.code]),
        {
            "title": "Sortie annulée",
            "body": "Annulée.",
            "audiences": [f"class_parents:{a.class_a.code}"],
            "action": "publish",
        },
    )
    item.refresh_from_db()
    assert (item.title, item.status) == ("Sortie annulée", "submitted")
    assert not services.visible_news(a.parent.user, a.parent).exists()
