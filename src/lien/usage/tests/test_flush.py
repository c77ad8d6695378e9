"""counters.flush (the flush_usage task) adds the counters to DailyUsage exactly once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone

from lien.core.models import Profile
from lien.usage import counters, services
from lien.usage.batch import Batch, Key
from lien.usage.models import ALL_SERVICES, DailyUsage, FlushedBatch
from lien.usage.tasks import flush_usage
from lien.usage.tests.conftest import usage

TEACHER = Profile.Role.TEACHER
STUDENT = Profile.Role.STUDENT


def view(establishment, user_id, role=TEACHER, service="messaging", day=None):
    counters.count_page_view(
        Key(day or timezone.localdate(), establishment.pk, role, service), user_id
    )


def test_it_adds_page_views_sessions_and_visitors(cast, any_counters):
    a, b = cast.a.establishment, cast.b.establishment
    for user_id in (1, 2, 2):
        view(a, user_id)
    view(a, 1, service="home")
    view(b, 3, role=STUDENT)
    counters.count_session(Key(timezone.localdate(), a.pk, TEACHER, ALL_SERVICES))
    assert flush_usage.delay().get() == 5
    assert usage(a, TEACHER, "messaging") == (3, 2, 0)
    assert usage(a, TEACHER, "home") == (1, 1, 0)
    assert usage(a, TEACHER) == (0, 2, 1)
    assert usage(b, STUDENT, "messaging") == (1, 1, 0)
    assert usage(b, STUDENT) == (0, 1, 0)


def test_running_it_twice_adds_nothing_more(cast, any_counters):
    a = cast.a.establishment
    view(a, 1)
    view(a, 2)
    counters.flush()
    counters.flush()
    assert usage(a, TEACHER, "messaging") == (2, 2, 0)


def test_later_counts_add_up(cast, any_counters):
    a = cast.a.establishment
    view(a, 1)
    counters.flush()
    view(a, 1)
    view(a, 2)
    counters.flush()
    assert usage(a, TEACHER, "messaging") == (3, 2, 0)
    assert DailyUsage.objects.count() == 2


def test_yesterdays_counts_flushed_after_midnight_go_to_yesterday(cast, any_counters):
    a = cast.a.establishment
    yesterday = timezone.localdate() - timedelta(days=1)
    view(a, 1, day=yesterday)
    counters.flush()
    assert usage(a, TEACHER, "messaging", day=yesterday) == (1, 1, 0)
    assert usage(a, TEACHER, "messaging") == (0, 0, 0)


def test_counts_of_a_deleted_establishment_are_dropped(cast, any_counters):
    a = cast.a.establishment
    view(a, 1)
    counters.count_page_view(Key(timezone.localdate(), 999_999, TEACHER, "home"), 1)
    counters.flush()
    assert set(DailyUsage.objects.values_list("establishment_id", flat=True)) == {a.pk}


def test_without_redis_a_failed_write_keeps_the_counts(cast, local_counters, monkeypatch):
    a = cast.a.establishment
    view(a, 1)

    def database_down(batch):
        raise DatabaseError("server closed the connection")

    monkeypatch.setattr(counters, "do_add_batch", database_down)
    with pytest.raises(DatabaseError):
        counters.flush()
    assert not DailyUsage.objects.exists()
    monkeypatch.setattr(counters, "do_add_batch", services.do_add_batch)
    view(a, 2)
    counters.flush()
    assert usage(a, TEACHER, "messaging") == (2, 2, 0)


def test_with_redis_an_interrupted_flush_is_finished_once(cast, redis_counters, monkeypatch):
    """The database committed the batch but Redis did not hear of it: the next flush finds the
    batch pending, sees it was added, and drops it without counting it twice."""
    a = cast.a.establishment
    view(a, 1)
    view(a, 2)
    real_delete = redis_counters.client.delete

    def lost_connection(*names):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(redis_counters.client, "delete", lost_connection)
    with pytest.raises(ConnectionError):
        counters.flush()
    assert usage(a, TEACHER, "messaging") == (2, 2, 0)
    monkeypatch.setattr(redis_counters.client, "delete", real_delete)
    view(a, 3)
    counters.flush()  # drops the pending batch
    counters.flush()  # takes the new view
    assert usage(a, TEACHER, "messaging") == (3, 3, 0)
    assert not redis_counters.client.exists(redis_counters._pending)


def test_with_redis_a_failed_write_leaves_the_batch_pending(cast, redis_counters, monkeypatch):
    a = cast.a.establishment
    view(a, 1)

    def database_down(batch):
        raise DatabaseError("server closed the connection")

    monkeypatch.setattr(counters, "do_add_batch", database_down)
    with pytest.raises(DatabaseError):
        counters.flush()
    monkeypatch.setattr(counters, "do_add_batch", services.do_add_batch)
    view(a, 2)
    counters.flush()
    counters.flush()
    assert usage(a, TEACHER, "messaging") == (2, 2, 0)


def test_with_redis_a_second_flush_waits_for_the_first(cast, redis_counters):
    a = cast.a.establishment
    view(a, 1)
    lock = redis_counters.client.lock(redis_counters._name("flush-lock"), timeout=10)
    assert lock.acquire(blocking=False)
    assert counters.flush() == 0
    lock.release()
    assert counters.flush() == 2
    assert usage(a, TEACHER, "messaging") == (1, 1, 0)


def test_a_batch_with_a_code_is_added_once(cast):
    key = Key(timezone.localdate(), cast.a.establishment.pk, TEACHER, "home")
    batch = Batch(page_views=Counter({key: 4}), visitors={key: 2}, code="abc")
    assert services.do_add_batch(batch) == 1
    assert services.do_add_batch(batch) == 0
    assert usage(cast.a.establishment, TEACHER, "home") == (4, 2, 0)
    assert FlushedBatch.objects.filter(code="abc").count() == 1


def test_unique_visitors_never_go_down(cast):
    key = Key(timezone.localdate(), cast.a.establishment.pk, TEACHER, "home")
    services.do_add_batch(Batch(visitors={key: 5}))
    services.do_add_batch(Batch(visitors={key: 3}))
    assert usage(cast.a.establishment, TEACHER, "home") == (0, 5, 0)


def test_the_command_flushes_for_cron(cast, any_counters, capsys):
    view(cast.a.establishment, 1)
    call_command("flush_usage")
    assert "2 lignes de statistiques mises à jour." in capsys.readouterr().out
    assert usage(cast.a.establishment, TEACHER, "messaging") == (1, 1, 0)


def test_with_redis_a_process_sends_its_page_views_in_one_push(cast, redis_counters, settings):
    settings.LIEN_USAGE_PUSH_SECONDS = 3600
    a = cast.a.establishment
    view(a, 1)
    view(a, 2)
    view(a, 2)
    assert not redis_counters.client.exists(redis_counters._counters)  # held by the process
    counters.flush()  # pushes first
    assert usage(a, TEACHER, "messaging") == (3, 2, 0)
    assert usage(a, TEACHER) == (0, 2, 0)


def test_with_redis_counts_a_push_could_not_send_are_kept(
    cast, redis_counters, monkeypatch, settings
):
    settings.LIEN_USAGE_PUSH_SECONDS = 3600
    a = cast.a.establishment
    view(a, 1)

    def unreachable(*args, **kwargs):
        raise counters.redis.ConnectionError("Redis is down")

    with monkeypatch.context() as patched, pytest.raises(counters.redis.ConnectionError):
        patched.setattr(redis_counters.client, "pipeline", unreachable)
        redis_counters.push()
    counters.flush()
    assert usage(a, TEACHER, "messaging") == (1, 1, 0)
