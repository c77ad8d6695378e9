"""The heaviest cahier de textes pages stay within the 50 KB budget of every page."""

import pytest
from django.urls import reverse

from lien.home.tests.test_page_weight import BUDGET_BYTES, transferred_size
from lien.homework.tests.helpers import write

pytestmark = pytest.mark.django_db


def test_the_entry_form_with_two_load_tables_and_the_to_do_list(two_classes, login):
    a = two_classes.a
    write(a.teacher, [a.class_a, a.class_b], works=[(f"Travail {n}", n, 10) for n in range(8)])
    teacher = login(a.teacher)
    targets = f"?cible=classe:{a.class_a.code}&cible=classe:{a.class_b.code}"
    form = teacher.get(reverse("homework:create-entry") + targets)
    assert form.content.decode().count("Charge de travail de") == 2
    assert transferred_size(teacher, form.content) < BUDGET_BYTES
    pupil = login(a.student)
    todo = pupil.get(reverse("homework:todo"))
    assert todo.content.decode().count("J'ai fait ce travail") == 8
    assert transferred_size(pupil, todo.content) < BUDGET_BYTES
