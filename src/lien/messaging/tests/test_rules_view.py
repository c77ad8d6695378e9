"""« Règles de la messagerie »: the direction and the ENT administrators adjust them."""

import pytest
from django.urls import reverse

from lien.messaging import policy
from lien.messaging.models import MessagingRules
from lien.tests.world import resolve

RULES = reverse("messaging:rules")
BOTH_OPEN = {
    "students_may_write_to_classmates": "on",
    "parents_may_write_to_class_parents": "on",
}


def saved_rules():
    return list(
        MessagingRules.objects.values_list(
            "establishment__name",
            "students_may_write_to_classmates",
            "parents_may_write_to_class_parents",
        ).order_by("establishment__name")
    )


@pytest.mark.parametrize("who", ["a.direction", "a.ent_admin"])
def test_without_saved_rules_the_page_shows_the_strict_defaults(cast, login, who):
    response = login(resolve(cast, who)).get(RULES)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["students_may_write_to_classmates"].value() is False
    assert form["parents_may_write_to_class_parents"].value() is False
    content = response.content.decode()
    assert "garder fermés les échanges entre élèves" in content
    assert 'aria-current="page">Règles de la messagerie</a>' in content


@pytest.mark.parametrize("who", ["a.direction", "a.ent_admin"])
def test_an_account_manager_opens_the_rules_and_pupils_then_write_to_classmates(cast, login, who):
    assert policy.can_write_to(cast.a.student.user, cast.a.classmate.user) is False
    client = login(resolve(cast, who))
    response = client.post(RULES, {"students_may_write_to_classmates": "on"})
    assert response.status_code == 302
    assert response["Location"] == RULES
    assert saved_rules() == [(cast.a.establishment.name, True, False)]
    assert policy.can_write_to(cast.a.student.user, cast.a.classmate.user) is True
    assert policy.can_write_to(cast.a.parent.user, cast.a.classmate_parent.user) is False
    page = client.get(RULES)
    assert "Règles de la messagerie enregistrées." in page.content.decode()
    assert page.context["form"]["students_may_write_to_classmates"].value() is True


def test_saving_again_updates_the_same_row_and_can_close_the_rules(cast, login):
    client = login(cast.a.direction)
    client.post(RULES, BOTH_OPEN)
    assert saved_rules() == [(cast.a.establishment.name, True, True)]
    assert policy.can_write_to(cast.a.parent.user, cast.a.classmate_parent.user) is True
    client.post(RULES, {})
    assert saved_rules() == [(cast.a.establishment.name, False, False)]
    assert policy.can_write_to(cast.a.student.user, cast.a.classmate.user) is False


@pytest.mark.parametrize(
    "who", ["a.school_life", "a.librarian", "a.teacher", "a.parent", "a.student"]
)
def test_other_roles_are_refused_and_nothing_changes(cast, login, who):
    MessagingRules.objects.create(establishment=cast.a.establishment)
    client = login(resolve(cast, who))
    assert client.get(RULES).status_code == 403
    assert client.post(RULES, BOTH_OPEN).status_code == 403
    assert saved_rules() == [(cast.a.establishment.name, False, False)]
    assert policy.can_write_to(cast.a.student.user, cast.a.classmate.user) is False


@pytest.mark.parametrize("who", ["a.school_life", "a.teacher", "a.parent", "a.student"])
def test_the_link_is_offered_only_to_account_managers(cast, login, who):
    link = f'href="{RULES}"'
    assert link in login(cast.a.direction).get(reverse("messaging:inbox")).content.decode()
    assert link not in login(resolve(cast, who)).get(reverse("messaging:inbox")).content.decode()


def test_another_establishments_admin_changes_only_their_own(cast, login):
    response = login(cast.b.ent_admin).post(RULES, BOTH_OPEN)
    assert response.status_code == 302
    assert saved_rules() == [(cast.b.establishment.name, True, True)]
    assert policy.can_write_to(cast.b.student.user, cast.b.classmate.user) is True
    assert policy.can_write_to(cast.a.student.user, cast.a.classmate.user) is False


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, cast):
    response = client.post(RULES, BOTH_OPEN)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={RULES}"
    assert MessagingRules.objects.count() == 0
