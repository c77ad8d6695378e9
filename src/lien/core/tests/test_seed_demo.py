"""`make demo`'s seed: the demo accounts, and something in each service for them."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from lien.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_school_has_its_accounts_and_class_work(client):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing more is created
    assert User.objects.filter(username__in=["eleve", "parent", "enseignant"]).count() == 3
    client.force_login(User.objects.get(username="eleve"))
    home = client.get(reverse("home:index")).content.decode()
    assert "Exercices 3 et 4 p. 52" in home  # the work to do
    assert "Compte rendu de lecture" in home  # an open assignment
    assert "Réunion parents-professeurs" in home  # the direction's news
