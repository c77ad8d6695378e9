"""Activation codes (lien.accounts.activation): issuing, recognising and consuming them."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from lien.accounts import activation
from lien.accounts.activation import CodeState
from lien.accounts.models import ActivationCode
from lien.tests.factories import UserFactory

CODE_FORMAT = re.compile(
    r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){2}"
)


@pytest.fixture
def user(db):
    user = UserFactory(activated_at=None)
    user.set_unusable_password()
    user.save()
    return user


def issue(user) -> str:
    return activation.do_issue_codes([user])[0].code


def test_codes_are_twelve_unambiguous_characters_in_groups_of_four(user):
    codes = [item.code for item in activation.do_issue_codes([user] * 200)]
    assert all(CODE_FORMAT.fullmatch(code) for code in codes)
    assert not set("".join(codes)) & set("01OIL")
    assert len(set(codes)) == 200


def test_typed_codes_are_normalised_whatever_the_case_spaces_and_dashes():
    assert activation.normalize_code("abcd-efgh-jkmn") == "ABCDEFGHJKMN"
    assert activation.normalize_code(" ABCD EFGH JKMN ") == "ABCDEFGHJKMN"
    assert activation.normalize_code("abcd–efgh—jkmn") == "ABCDEFGHJKMN"
    assert activation.normalize_code("ABCDEFGHJKMN") == "ABCDEFGHJKMN"


@pytest.mark.parametrize(
    "typed",
    ["", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKM0", "ABCD-EFGH-JKMI", "mot-de-passe-1"],
)
def test_anything_else_is_not_a_code(typed):
    assert activation.normalize_code(typed) is None


def test_only_a_keyed_hash_of_the_code_is_stored(user):
    code = issue(user)
    stored = ActivationCode.objects.get(user=user)
    plain = code.replace("-", "")
    assert plain not in stored.code_hash
    assert code not in stored.code_hash
    assert stored.code_hash == activation.hash_code(user.pk, plain)
    assert len(stored.code_hash) == 64


def test_the_same_code_hashes_differently_for_two_accounts(db):
    first, second = UserFactory(), UserFactory()
    assert activation.hash_code(first.pk, "ABCDEFGHJKMN") != activation.hash_code(
        second.pk, "ABCDEFGHJKMN"
    )


def test_a_code_expires_after_the_configured_number_of_days(user, settings):
    settings.LIEN_ACTIVATION_CODE_DAYS = 30
    before = timezone.now()
    issued = activation.do_issue_codes([user])[0]
    stored = ActivationCode.objects.get(user=user)
    assert stored.expires_at == issued.expires_at
    assert before + timedelta(days=30) <= stored.expires_at <= timezone.now() + timedelta(days=30)


def test_a_code_is_found_whatever_the_typing(user):
    code = issue(user)
    stored = ActivationCode.objects.get(user=user)
    assert activation.find_code(user, code) == stored
    assert activation.find_code(user, code.lower().replace("-", " ")) == stored
    assert activation.find_code(user, "ABCD-EFGH-JKMN") is None


def test_a_code_belongs_to_its_account_only(user):
    code = issue(user)
    other = UserFactory()
    assert activation.find_code(other, code) is None


def test_issuing_a_new_code_revokes_the_earlier_unused_one(user):
    first = issue(user)
    second = issue(user)
    assert activation.code_state(activation.find_code(user, first)) is CodeState.REVOKED
    assert activation.code_state(activation.find_code(user, second)) is CodeState.VALID


def test_issuing_a_new_code_keeps_the_used_ones_as_used(user):
    first = issue(user)
    code = activation.find_code(user, first)
    assert activation.do_activate(user, code.pk, "Un-mot-de-passe-choisi") is CodeState.VALID
    issue(user)
    code.refresh_from_db()
    assert code.revoked_at is None
    assert activation.code_state(code) is CodeState.USED


def test_issuing_codes_touches_only_the_given_accounts(user):
    other = UserFactory(activated_at=None)
    other_code = issue(other)
    issue(user)
    assert activation.code_state(activation.find_code(other, other_code)) is CodeState.VALID


def test_activating_consumes_the_code_and_sets_the_password(user):
    code = activation.find_code(user, issue(user))
    assert activation.do_activate(user, code.pk, "Un-mot-de-passe-choisi") is CodeState.VALID
    user.refresh_from_db()
    code.refresh_from_db()
    assert check_password("Un-mot-de-passe-choisi", user.password)
    assert user.activated_at == code.used_at
    assert activation.code_state(code) is CodeState.USED


def test_a_code_works_only_once(user):
    code = activation.find_code(user, issue(user))
    activation.do_activate(user, code.pk, "Un-mot-de-passe-choisi")
    assert activation.do_activate(user, code.pk, "Un-autre-mot-de-passe") is CodeState.USED
    user.refresh_from_db()
    assert check_password("Un-mot-de-passe-choisi", user.password)


def test_an_expired_code_changes_nothing(user):
    code = activation.find_code(user, issue(user))
    ActivationCode.objects.filter(pk=code.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert activation.do_activate(user, code.pk, "Un-mot-de-passe-choisi") is CodeState.EXPIRED
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert user.activated_at is None


def test_a_revoked_code_changes_nothing(user):
    code = activation.find_code(user, issue(user))
    issue(user)
    assert activation.do_activate(user, code.pk, "Un-mot-de-passe-choisi") is CodeState.REVOKED
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_new_letter_keeps_the_first_activation_date(db):
    first_activation = timezone.now() - timedelta(days=100)
    user = UserFactory(activated_at=first_activation)
    code = activation.find_code(user, issue(user))
    assert activation.do_activate(user, code.pk, "Un-mot-de-passe-choisi") is CodeState.VALID
    user.refresh_from_db()
    assert user.activated_at == first_activation
    assert check_password("Un-mot-de-passe-choisi", user.password)
