"""Declaring and ending crisis modes, and the rules they bring."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lien.admission import services
from lien.admission.models import CrisisMode
from lien.admission.services import CrisisSettings
from lien.admission.windows import parse_windows

PARIS = ZoneInfo("Europe/Paris")
MB = 1024 * 1024


def start(who, scope, **rules):
    rules.setdefault("reason", "Fermeture des écoles")
    return services.check_start_crisis(who.user, scope, CrisisSettings(**rules))


def at(hour, minute=0):
    return datetime(2027, 1, 11, hour, minute, tzinfo=PARIS)


def test_outside_any_crisis_the_usual_settings_apply(cast):
    school = cast.a.establishment
    assert services.crisis_for(school) is None
    assert services.max_upload_bytes(school, 10 * MB) == 10 * MB
    assert services.heavy_features_paused(school) is False
    assert services.parent_access_allowed(school, at(10)) is True
    assert services.session_idle_minutes(school, 30) == 30


def test_an_establishment_crisis_brings_its_rules_to_that_establishment_only(cast):
    mode = start(
        cast.a.direction,
        cast.a.establishment,
        max_upload_mb=2,
        heavy_features_paused=True,
        parent_access_windows=parse_windows("17:00-08:30"),
        session_idle_minutes=10,
    )
    assert (mode.started_by, mode.reason, mode.is_active) == (
        cast.a.direction.user,
        "Fermeture des écoles",
        True,
    )
    school = cast.a.establishment
    assert services.max_upload_bytes(school, 10 * MB) == 2 * MB
    assert services.max_upload_bytes(school, 1 * MB) == 1 * MB  # never more than usual
    assert services.heavy_features_paused(school) is True
    assert [services.parent_access_allowed(school, at(*t)) for t in [(8, 29), (10,), (17,)]] == [
        True,
        False,
        True,
    ]
    assert services.session_idle_minutes(school, 30) == 10
    assert services.crisis_for(cast.b.establishment) is None


def test_a_collectivity_crisis_covers_its_establishments_and_the_stricter_rule_wins(cast):
    region = cast.operator.collectivity
    start(
        cast.operator, region, max_upload_mb=5, parent_access_windows=parse_windows("16:00-09:00")
    )
    start(
        cast.a.direction,
        cast.a.establishment,
        max_upload_mb=8,
        session_idle_minutes=15,
        parent_access_windows=parse_windows("18:00-08:00"),
    )
    a, b = cast.a.establishment, cast.b.establishment
    assert services.max_upload_bytes(a, 10 * MB) == 5 * MB
    assert services.max_upload_bytes(b, 10 * MB) == 5 * MB
    assert services.session_idle_minutes(a, 30) == 15
    assert services.session_idle_minutes(b, 30) == 30
    assert [services.parent_access_allowed(a, at(h)) for h in (8, 17, 18)] == [False, False, True]
    assert [services.parent_access_allowed(b, at(h)) for h in (8, 17, 18)] == [True, True, True]
    assert services.crisis_for(a).reasons == ("Fermeture des écoles", "Fermeture des écoles")
    assert services.crisis_for(cast.c.establishment) is None


def test_ending_a_crisis_restores_the_usual_settings(cast):
    mode = start(cast.operator, cast.a.establishment, max_upload_mb=1)
    ended = services.check_end_crisis(cast.a.direction.user, mode)
    assert (ended.ended_by, ended.is_active) == (cast.a.direction.user, False)
    assert services.max_upload_bytes(cast.a.establishment, 10 * MB) == 10 * MB
    with pytest.raises(ValidationError, match="Ce mode crise est déjà terminé."):
        services.check_end_crisis(cast.operator.user, mode)


def test_the_rules_are_read_without_any_query_once_known(cast, django_assert_num_queries):
    start(cast.operator, cast.a.establishment, max_upload_mb=1)
    services.crisis_for(cast.a.establishment)
    with django_assert_num_queries(0):
        for _ in range(3):
            assert services.heavy_features_paused(cast.a.establishment) is False


def test_one_crisis_at_a_time_for_a_scope(cast):
    start(cast.operator, cast.a.establishment)
    with pytest.raises(ValidationError) as refused:
        start(cast.a.direction, cast.a.establishment)
    assert refused.value.messages == [
        f"Un mode crise est déjà en cours pour {cast.a.establishment.name}."
    ]
    assert CrisisMode.objects.count() == 1


@pytest.mark.parametrize(
    ("rules", "error"),
    [
        (
            {"reason": "  "},
            "Donnez le motif du mode crise : il est affiché aux personnes concernées.",
        ),
        ({"reason": "x" * 301}, "Le motif est trop long (300 caractères au plus)."),
        (
            {"session_idle_minutes": 45},
            "Le mode crise ne peut que raccourcir les sessions : 30 minutes au plus.",
        ),
    ],
)
def test_bad_crisis_settings_are_refused(cast, rules, error):
    with pytest.raises(ValidationError) as refused:
        start(cast.operator, cast.a.establishment, **rules)
    assert refused.value.messages == [error]
    assert CrisisMode.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        ("a.teacher", "a"),
        ("a.ent_admin", "a"),
        ("a.parent", "a"),
        ("b.direction", "a"),
        ("a.direction", "region"),
        ("other_operator", "a"),
        ("other_operator", "region"),
    ],
)
def test_only_the_operators_and_the_direction_declare_a_crisis(world, who, scope):
    from lien.tests.world import resolve

    place = world.operator.collectivity if scope == "region" else world.a.establishment
    with pytest.raises(PermissionDenied):
        start(resolve(world, who), place)
    assert CrisisMode.objects.count() == 0


def test_only_those_who_control_a_crisis_end_it(cast):
    mode = start(cast.operator, cast.operator.collectivity)
    for outsider in (cast.a.direction, cast.other_operator, cast.a.teacher):
        with pytest.raises(PermissionDenied):
            services.check_end_crisis(outsider.user, mode)
    mode.refresh_from_db()
    assert mode.is_active
