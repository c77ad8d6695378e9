"""Keeping messaging safe: reports to the establishment's staff, locked conversations, a
sending rate limit, and the collectivité operators' suspensions of a whole profile."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lien.core import fragments, policy
from lien.core.models import Profile
from lien.messaging import services
from lien.messaging.models import Delivery, Message, Report, ReportViewing, SendingSuspension

REASON_MAX_LENGTH = 1000
SUSPENSION_REASON_MAX_LENGTH = 300
RATE_WINDOW = timedelta(hours=1)
Role = Profile.Role
# The profiles an operator may silence (not operators themselves).
SUSPENDABLE_ROLES = [Role.STUDENT, Role.PARENT, Role.TUTOR, Role.TEACHER, Role.STAFF]


# Reports ------------------------------------------------------------------------------------


def check_report(user, message: Message, reason: str) -> Report:
    """A recipient reports a message they received; once per message."""
    if (
        message.sender_id == user.pk
        or not services.visible_deliveries(user).filter(message=message).exists()
    ):
        raise PermissionDenied(_("Vous ne pouvez signaler que les messages que vous avez reçus."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Dites en quelques mots pourquoi vous signalez ce message."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Le motif est trop long (%(max)d caractères au plus).") % {"max": REASON_MAX_LENGTH}
        )
    if Report.objects.filter(message=message, reporter=user).exists():
        raise ValidationError(_("Vous avez déjà signalé ce message."))
    return do_report(user, message, reason)


def do_report(user, message: Message, reason: str) -> Report:
    try:
        with transaction.atomic():
            return Report.objects.create(
                message=message,
                establishment=message.establishment,
                reporter=user,
                reason=reason,
            )
    except IntegrityError:
        raise ValidationError(_("Vous avez déjà signalé ce message.")) from None


def reports_for(establishment):
    """The establishment's reports, the newest first."""
    return (
        Report.objects.filter(establishment=establishment)
        .select_related("message__sender", "message__conversation", "reporter", "handled_by")
        .order_by("-created_at", "-pk")
    )


def access_report(user, code) -> Report:
    """A report of an establishment where the user is direction or CPE.

    Http404 when the user holds no profile in the report's establishment, PermissionDenied for
    another role inside it.
    """
    report = (
        Report.objects.select_related(
            "establishment",
            "message__sender",
            "message__conversation__locked_by",
            "reporter",
            "handled_by",
        )
        .filter(code=code)
        .first()
    )
    if report is None or not policy.can_view_establishment(user, report.establishment):
        raise Http404
    if not policy.can_handle_message_reports(user, report.establishment):
        raise PermissionDenied
    return report


def report_handled_by(user, message: Message) -> Report | None:
    """A report about this message that the user may handle (to open its attachments)."""
    if not message.reports.exists():
        return None
    if not policy.can_handle_message_reports(user, message.establishment):
        return None
    return message.reports.order_by("pk").first()


def do_record_viewing(report: Report, user) -> ReportViewing:
    """Reading a message not addressed to oneself is a deliberate exception: it is kept."""
    return ReportViewing.objects.create(report=report, viewer=user)


def check_lock(user, report: Report) -> None:
    """Nobody may answer the reported conversation any more (services.may_reply)."""
    _check_handler(user, report)
    conversation = report.message.conversation
    if conversation.locked_at is not None:
        raise ValidationError(_("Cette conversation est déjà verrouillée."))
    conversation.locked_at = timezone.now()
    conversation.locked_by = user
    conversation.save(update_fields=["locked_at", "locked_by"])
    _touch_participants(conversation)


def check_unlock(user, report: Report) -> None:
    _check_handler(user, report)
    conversation = report.message.conversation
    if conversation.locked_at is None:
        raise ValidationError(_("Cette conversation n'est pas verrouillée."))
    conversation.locked_at = None
    conversation.locked_by = None
    conversation.save(update_fields=["locked_at", "locked_by"])
    _touch_participants(conversation)


def _touch_participants(conversation) -> None:
    """Whether one may answer shows on every page of the conversation."""
    messages = conversation.messages.all()
    fragments.touch(
        {
            *messages.values_list("sender_id", flat=True),
            *Delivery.objects.filter(message__in=messages).values_list("recipient_id", flat=True),
        }
    )


def check_mark_handled(user, report: Report) -> None:
    _check_handler(user, report)
    if report.handled_at is not None:
        raise ValidationError(_("Ce signalement est déjà traité."))
    report.handled_at = timezone.now()
    report.handled_by = user
    report.save(update_fields=["handled_at", "handled_by"])


def _check_handler(user, report: Report) -> None:
    if not policy.can_handle_message_reports(user, report.establishment):
        raise PermissionDenied(
            _("Seules la direction et la vie scolaire traitent les signalements.")
        )


# Rate limit ---------------------------------------------------------------------------------


def hourly_limit(user) -> int:
    """The most generous limit among the user's profiles (a teacher who is also a parent)."""
    limits = settings.LIEN_MESSAGES_PER_HOUR
    roles = set(Profile.objects.filter(user=user).values_list("role", flat=True))
    return max((limits[role] for role in roles if role in limits), default=min(limits.values()))


def check_rate_limit(user, now=None) -> None:
    """Refuse a send past the hourly limit, saying how long to wait.

    Counted: the messages sent in the last hour, and those scheduled during the last hour.
    """
    now = now or timezone.now()
    since = now - RATE_WINDOW
    limit = hourly_limit(user)
    counted = Message.objects.filter(sender=user).filter(
        Q(sent_at__gt=since, sent_at__lte=now) | Q(sent_at__gt=now, updated_at__gt=since)
    )
    if counted.count() < limit:
        return
    # The moment each message stops counting; the oldest ones free a place first.
    moments: list[datetime] = sorted(
        sent_at if sent_at is not None and sent_at <= now else updated_at
        for sent_at, updated_at in counted.values_list("sent_at", "updated_at")
    )
    freed_at = moments[len(moments) - limit] + RATE_WINDOW
    minutes = max(1, math.ceil((freed_at - now).total_seconds() / 60))
    raise ValidationError(
        ngettext(
            "Vous avez envoyé beaucoup de messages en peu de temps (%(limit)d par heure au "
            "plus) : réessayez dans %(minutes)d minute. Votre message n'est pas perdu.",
            "Vous avez envoyé beaucoup de messages en peu de temps (%(limit)d par heure au "
            "plus) : réessayez dans %(minutes)d minutes. Votre message n'est pas perdu.",
            minutes,
        )
        % {"limit": limit, "minutes": minutes},
        code="rate_limit",
    )


# Operator suspensions -----------------------------------------------------------------------


def active_suspensions(collectivity):
    return SendingSuspension.objects.filter(
        collectivity=collectivity, lifted_at__isnull=True
    ).select_related("created_by")


def past_suspensions(collectivity, limit: int = 20):
    return (
        SendingSuspension.objects.filter(collectivity=collectivity, lifted_at__isnull=False)
        .select_related("created_by")
        .order_by("-lifted_at")[:limit]
    )


def check_suspend(user, collectivity, role: str, reason: str) -> SendingSuspension:
    """Stop sending for a whole profile of the collectivité (every pupil, every parent…)."""
    if not policy.can_suspend_sending(user, collectivity):
        raise PermissionDenied(_("Seuls les opérateurs de la collectivité suspendent l'envoi."))
    if role not in SUSPENDABLE_ROLES:
        raise ValidationError(_("Choisissez un profil dans la liste."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Donnez le motif de la suspension : il est affiché à ceux qui veulent écrire."),
            code="reason",
        )
    if len(reason) > SUSPENSION_REASON_MAX_LENGTH:
        raise ValidationError(
            _("Le motif est trop long (%(max)d caractères au plus).")
            % {"max": SUSPENSION_REASON_MAX_LENGTH},
            code="reason",
        )
    try:
        with transaction.atomic():
            return SendingSuspension.objects.create(
                collectivity=collectivity, role=role, reason=reason, created_by=user
            )
    except IntegrityError:
        raise ValidationError(
            _("L'envoi est déjà suspendu pour les %(role)s.") % {"role": role_plural(role)}
        ) from None


def check_lift(user, collectivity, role: str) -> SendingSuspension:
    if not policy.can_suspend_sending(user, collectivity):
        raise PermissionDenied(_("Seuls les opérateurs de la collectivité suspendent l'envoi."))
    with transaction.atomic():
        suspension = (
            SendingSuspension.objects.select_for_update()
            .filter(collectivity=collectivity, role=role, lifted_at__isnull=True)
            .first()
        )
        if suspension is None:
            raise ValidationError(_("L'envoi n'est pas suspendu pour ce profil."))
        suspension.lifted_at = timezone.now()
        suspension.save(update_fields=["lifted_at"])
    return suspension


def role_plural(role: str) -> str:
    names: dict[str, str] = {
        Role.STUDENT: _("élèves"),
        Role.PARENT: _("parents"),
        Role.TUTOR: _("tuteurs externes"),
        Role.TEACHER: _("enseignants"),
        Role.STAFF: _("personnels"),
    }
    return names.get(role, role)
