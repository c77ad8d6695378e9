"""E-mail notifications of new messages, through a real SMTP server."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from lien.celery import app
from lien.messaging import notifications, services, tasks
from lien.messaging.models import Delivery, Message, NotificationPreference
from lien.messaging.tests.attachment_fixtures import send, to_user

pytest_plugins = ["lien.tests.smtp"]

Mode = NotificationPreference.Mode


def run_twice(task, *args):
    """Run a task twice, as a retry or a second worker would; return both results."""
    return [task.apply(args=args).get(), task.apply(args=args).get()]


def send_now(sender, recipient_user, capture, **draft):
    """Send through the service and run what it queued after commit."""
    with capture(execute=True):
        return send(sender, to_user(recipient_user, **draft))


def prefer(profile, mode, include_body=False):
    notifications.do_save_preference(profile.user, mode, include_body)


def link(message):
    return f"{settings.SITE_URL}/messagerie/messages/{message.code}/"


def test_a_recipient_gets_one_email_without_the_text(
    cast, smtp_outbox, django_capture_on_commit_callbacks
):
    teacher, parent = cast.a.teacher, cast.a.parent
    message = send_now(
        teacher,
        parent.user,
        django_capture_on_commit_callbacks,
        subject="Sortie au musée",
        body="Rendez-vous à 8 h devant le lycée.",
    )
    assert len(smtp_outbox) == 1
    mail = smtp_outbox[0]
    assert mail.recipients == [parent.user.email]
    # Python folds a non-ASCII subject onto a continuation line: unfolded, it starts with a space.
    assert mail.subject.strip() == (
        f"Nouveau message de {teacher.user.get_full_name()} : Sortie au musée"
    )
    assert link(message) in mail.body
    assert f"{settings.SITE_URL}/messagerie/notifications/" in mail.body
    assert "Rendez-vous" not in mail.body
    assert Delivery.objects.get(message=message).notified_at is not None


def test_the_text_is_included_for_those_who_asked(
    cast, smtp_outbox, django_capture_on_commit_callbacks
):
    prefer(cast.a.parent, Mode.IMMEDIATE, include_body=True)
    send_now(
        cast.a.teacher,
        cast.a.parent.user,
        django_capture_on_commit_callbacks,
        body="Rendez-vous à 8 h devant le lycée.",
    )
    assert "Rendez-vous à 8 h devant le lycée." in smtp_outbox[0].body


@pytest.mark.parametrize("mode", [Mode.NONE, Mode.DAILY_DIGEST])
def test_no_immediate_email_for_other_choices(
    cast, smtp_outbox, django_capture_on_commit_callbacks, mode
):
    prefer(cast.a.parent, mode)
    message = send_now(cast.a.teacher, cast.a.parent.user, django_capture_on_commit_callbacks)
    assert smtp_outbox == []
    # Handled all the same: the sweep won't look at it again.
    assert Delivery.objects.get(message=message).notified_at is not None


def test_no_email_without_an_address(cast, smtp_outbox, django_capture_on_commit_callbacks):
    cast.a.parent.user.email = ""
    cast.a.parent.user.save(update_fields=["email"])
    send_now(cast.a.teacher, cast.a.parent.user, django_capture_on_commit_callbacks)
    assert smtp_outbox == []


def test_each_recipient_of_a_list_gets_their_own_email(
    cast, smtp_outbox, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(notifications, "BATCH_SIZE", 1)  # several batches
    from lien.messaging.models import Address

    draft = services.Draft(
        subject="Réunion",
        body="Mardi.",
        addresses=[Address(kind=Address.Kind.CLASS_PARENTS, school_class=cast.a.class_a)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(cast.a.teacher, draft)
    assert sorted(mail.recipients[0] for mail in smtp_outbox) == sorted(
        [cast.a.parent.user.email, cast.a.classmate_parent.user.email]
    )


def test_sending_does_not_email_before_commit(
    cast, smtp_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(cast.a.teacher, to_user(cast.a.parent.user))
    assert smtp_outbox == []
    for callback in callbacks:
        callback()
    assert [mail.recipients for mail in smtp_outbox] == [[cast.a.parent.user.email]]


def test_the_notification_task_sends_once_when_run_twice(cast, smtp_outbox):
    message = send(cast.a.teacher, to_user(cast.a.parent.user))
    assert run_twice(tasks.notify_message, message.pk) == [1, 0]
    assert len(smtp_outbox) == 1


def test_the_sweep_sends_once_when_run_twice(cast, smtp_outbox):
    send(cast.a.teacher, to_user(cast.a.parent.user))
    send(cast.a.teacher, to_user(cast.a.student.user))
    assert run_twice(tasks.send_due_notifications) == [2, 0]
    assert sorted(mail.recipients[0] for mail in smtp_outbox) == sorted(
        [cast.a.parent.user.email, cast.a.student.user.email]
    )


def test_the_sweep_and_the_on_commit_task_together_send_once(
    cast, smtp_outbox, django_capture_on_commit_callbacks
):
    send_now(cast.a.teacher, cast.a.parent.user, django_capture_on_commit_callbacks)
    tasks.send_due_notifications.apply().get()
    assert len(smtp_outbox) == 1


def test_a_scheduled_message_is_notified_when_it_becomes_due(
    cast, smtp_outbox, django_capture_on_commit_callbacks
):
    message = send_now(
        cast.a.teacher,
        cast.a.parent.user,
        django_capture_on_commit_callbacks,
        send_at=timezone.now() + timedelta(hours=2),
    )
    tasks.send_due_notifications.apply().get()
    assert smtp_outbox == []
    # Two hours later.
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - timedelta(seconds=5))
    assert run_twice(tasks.send_due_notifications) == [1, 0]
    assert [mail.recipients for mail in smtp_outbox] == [[cast.a.parent.user.email]]


def test_a_message_already_read_or_recalled_is_not_notified(cast, smtp_outbox):
    read = send(cast.a.teacher, to_user(cast.a.parent.user, subject="Lu"))
    services.do_mark_read(read.deliveries.get())
    recalled = send(cast.a.teacher, to_user(cast.a.student.user, subject="Rappelé"))
    services.check_recall(cast.a.teacher.user, recalled)
    assert tasks.send_due_notifications.apply().get() == 0
    assert smtp_outbox == []


def test_old_messages_are_never_notified(cast, smtp_outbox):
    message = send(cast.a.teacher, to_user(cast.a.parent.user))
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - timedelta(days=2))
    assert tasks.send_due_notifications.apply().get() == 0
    assert smtp_outbox == []


def test_a_mail_server_down_never_fails_the_send_and_retries_later(
    cast, smtp_down, django_capture_on_commit_callbacks, caplog, request
):
    with caplog.at_level(logging.ERROR, logger="lien.messaging.notifications"):
        message = send_now(cast.a.teacher, cast.a.parent.user, django_capture_on_commit_callbacks)
    assert Message.objects.filter(pk=message.pk, sent_at__isnull=False).exists()
    assert "Mail server unreachable: 1 notifications postponed" in caplog.text
    delivery = Delivery.objects.get(message=message)
    assert delivery.notified_at is None  # released for the next sweep
    # The server is back.
    outbox = request.getfixturevalue("smtp_outbox")
    assert run_twice(tasks.send_due_notifications) == [1, 0]
    assert [mail.recipients for mail in outbox] == [[cast.a.parent.user.email]]


# Daily digest -------------------------------------------------------------------------------


def test_the_digest_lists_the_unread_messages_once_a_day(cast, smtp_outbox):
    prefer(cast.a.parent, Mode.DAILY_DIGEST)
    first = send(cast.a.teacher, to_user(cast.a.parent.user, subject="Sortie au musée"))
    second = send(cast.a.direction, to_user(cast.a.parent.user, subject="Conseil de classe"))
    read = send(cast.a.teacher, to_user(cast.a.parent.user, subject="Déjà lu"))
    services.do_mark_read(read.deliveries.get())
    send(cast.a.teacher, to_user(cast.a.classmate_parent.user, subject="Pas pour lui"))

    assert run_twice(tasks.send_message_digests) == [1, 0]

    assert len(smtp_outbox) == 1
    mail = smtp_outbox[0]
    assert mail.recipients == [cast.a.parent.user.email]
    assert mail.subject == "Lien : 2 nouveaux messages non lus"
    teacher_name = cast.a.teacher.user.get_full_name()
    direction_name = cast.a.direction.user.get_full_name()
    assert f"- {teacher_name} : « Sortie au musée »\n  {link(first)}" in mail.body
    assert f"- {direction_name} : « Conseil de classe »\n  {link(second)}" in mail.body
    assert "Déjà lu" not in mail.body
    assert "Pas pour lui" not in mail.body


def test_the_next_day_only_new_messages_are_listed(cast, smtp_outbox):
    prefer(cast.a.parent, Mode.DAILY_DIGEST)
    send(cast.a.teacher, to_user(cast.a.parent.user, subject="Lundi"))
    now = timezone.now()
    assert notifications.send_daily_digests(now=now) == 1
    tomorrow = now + timedelta(days=1)
    assert notifications.send_daily_digests(now=tomorrow) == 0
    later = send(cast.a.teacher, to_user(cast.a.parent.user, subject="Mardi"))
    Message.objects.filter(pk=later.pk).update(sent_at=tomorrow - timedelta(hours=1))
    assert notifications.send_daily_digests(now=tomorrow) == 1
    assert smtp_outbox[1].subject == "Lien : 1 nouveau message non lu"
    assert "Mardi" in smtp_outbox[1].body
    assert "Lundi" not in smtp_outbox[1].body


def test_no_digest_without_unread_messages(cast, smtp_outbox):
    prefer(cast.a.parent, Mode.DAILY_DIGEST)
    assert notifications.send_daily_digests() == 0
    assert smtp_outbox == []


def test_a_failed_digest_is_sent_by_a_later_run_of_the_same_day(cast, smtp_down, caplog, request):
    prefer(cast.a.parent, Mode.DAILY_DIGEST)
    send(cast.a.teacher, to_user(cast.a.parent.user, subject="Sortie"))
    with caplog.at_level(logging.ERROR, logger="lien.messaging.notifications"):
        assert notifications.send_daily_digests() == 0
    assert f"Could not send the daily digest to user {cast.a.parent.user.pk}" in caplog.text
    outbox = request.getfixturevalue("smtp_outbox")
    assert run_twice(tasks.send_message_digests) == [1, 0]
    assert len(outbox) == 1


def test_the_digest_command_sends_once(cast, smtp_outbox, capsys):
    prefer(cast.a.parent, Mode.DAILY_DIGEST)
    send(cast.a.teacher, to_user(cast.a.parent.user))
    call_command("send_message_digests")
    call_command("send_message_digests")
    assert capsys.readouterr().out == "1 digest(s) sent.\n0 digest(s) sent.\n"
    assert len(smtp_outbox) == 1


def test_celery_beat_runs_the_sweep_every_minute_and_the_digest_at_half_past_five():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["messaging-due-notifications"]["schedule"] == 60.0
    digest = schedule["messaging-daily-digests"]["schedule"]
    assert (digest.hour, digest.minute) == ({17}, {30})
    assert settings.CELERY_TIMEZONE == "Europe/Paris"
    app.loader.import_default_modules()  # every app's tasks, as a worker imports them
    for entry in schedule.values():
        assert entry["task"] in app.tasks


def test_a_batch_with_nothing_to_send_does_not_stop_the_sweep(cast, smtp_outbox, monkeypatch):
    monkeypatch.setattr(notifications, "BATCH_SIZE", 1)
    prefer(cast.a.parent, Mode.NONE)
    send(cast.a.teacher, to_user(cast.a.parent.user, subject="Premier"))
    send(cast.a.teacher, to_user(cast.a.student.user, subject="Second"))
    assert tasks.send_due_notifications.apply().get() == 1
    assert [mail.recipients for mail in smtp_outbox] == [[cast.a.student.user.email]]
