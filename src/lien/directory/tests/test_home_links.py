"""The home pages lead to the rosters and, for account managers, to the import and the staff."""

import pytest
from django.urls import reverse

HOME = reverse("home:index")
IMPORT = reverse("directory:import")
STAFF = reverse("directory:staff")


def roster(school_class) -> str:
    return reverse("directory:class-roster", args=[school_class.code])


@pytest.mark.parametrize("who", ["direction", "ent_admin"])
def test_account_managers_get_the_import_link_and_roster_links(cast, login, who):
    body = login(getattr(cast.a, who)).get(HOME).content.decode()

    assert f'href="{IMPORT}"' in body
    assert (
        f'<a class="button secondary" href="{STAFF}">Personnel et double authentification</a>'
        in (body)
    )
    assert f'<a href="{roster(cast.a.class_a)}">2nde A</a>' in body
    assert f'<a href="{roster(cast.a.class_b)}">2nde B</a>' in body


def test_other_staff_get_roster_links_but_no_import_link(cast, login):
    body = login(cast.a.school_life).get(HOME).content.decode()

    assert IMPORT not in body
    assert STAFF not in body
    assert f'<a href="{roster(cast.a.class_a)}">2nde A</a>' in body


def test_teachers_get_links_to_their_classes_rosters_not_to_groups(cast, login):
    body = login(cast.a.teacher).get(HOME).content.decode()
    assert f'<a href="{roster(cast.a.class_a)}">2nde A</a>' in body

    body = login(cast.a.group_teacher).get(HOME).content.decode()
    assert "<strong>LV2 Espagnol</strong>" in body
