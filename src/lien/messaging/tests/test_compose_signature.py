import pytest
from django.urls import reverse

from lien.messaging.models import Signature

URL = reverse("messaging:signature")


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["teacher", "parent", "student", "direction"])
def test_everyone_sets_their_own_signature(cast, login, who):
    profile = getattr(cast.a, who)
    client = login(profile)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"text": "  Bien cordialement,\nA. Martin  "})
    assert response["Location"] == URL
    assert Signature.objects.get().user == profile.user
    assert Signature.objects.get().text == "Bien cordialement,\nA. Martin"
    page = client.get(URL).content.decode()
    assert "Signature enregistrée." in page
    assert ">\nBien cordialement,\nA. Martin</textarea>" in page


def test_an_operator_has_a_signature_too(cast, login):
    login(cast.operator).post(URL, {"text": "Service numérique de la Région"})
    assert Signature.objects.get(user=cast.operator.user).text == "Service numérique de la Région"


def test_the_page_shows_only_one_s_own_signature(cast, login):
    Signature.objects.create(user=cast.a.teacher.user, text="Signature du professeur")
    assert "Signature du professeur" not in login(cast.a.parent).get(URL).content.decode()


def test_saving_again_replaces_it_and_blank_removes_it(cast, login):
    client = login(cast.a.teacher)
    client.post(URL, {"text": "Première"})
    client.post(URL, {"text": "Seconde"})
    assert list(Signature.objects.values_list("text", flat=True)) == ["Seconde"]
    client.post(URL, {"text": ""})
    assert list(Signature.objects.values_list("text", flat=True)) == [""]
    assert (
        "Ajouter une signature à mes messages"
        in client.get(reverse("messaging:compose")).content.decode()
    )


def test_a_too_long_signature_is_refused_and_kept_on_the_page(cast, login):
    Signature.objects.create(user=cast.a.teacher.user, text="Ancienne")
    response = login(cast.a.teacher).post(URL, {"text": "x" * 501})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Assurez-vous que cette valeur comporte au plus 500 caractères (actuellement 501)." in (
        body
    )
    assert "x" * 501 in body
    assert Signature.objects.get().text == "Ancienne"
