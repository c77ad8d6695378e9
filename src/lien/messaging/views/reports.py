"""Reporting a message, and the direction's and CPE's handling of reports."""

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from lien.core.policy import can_handle_message_reports
from lien.core.profiles import active_profile
from lien.messaging import safety, services
from lien.messaging.models import Delivery, Report

HANDLED_SHOWN = 50
VIEWINGS_SHOWN = 20


class ReportForm(forms.Form):
    # Required-ness and length are checked by the service, with its own messages.
    reason = forms.CharField(
        label=gettext_lazy("Pourquoi signalez-vous ce message ?"),
        help_text=gettext_lazy(
            "Votre signalement est lu par la direction et la vie scolaire de l'établissement."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": safety.REASON_MAX_LENGTH}),
        required=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_message(request, code):
    """« Signaler ce message »: only for a message the user received."""
    delivery = (
        services.visible_deliveries(request.user)
        .filter(message__code=code)
        .exclude(box=Delivery.Box.DELETED)
        .select_related("message__sender")
        .first()
    )
    if delivery is None:
        raise Http404
    message = delivery.message
    existing = Report.objects.filter(message=message, reporter=request.user).first()
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and existing is None:
        try:
            safety.check_report(request.user, message, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            flash.success(
                request,
                _("Merci. Votre signalement a été transmis à la direction et à la vie scolaire."),
            )
            return redirect("messaging:message", code=message.code)
    return render(
        request,
        "messaging/report_message.html",
        {"message": message, "form": form, "existing": existing},
        status=400 if form.errors else 200,
    )


@login_required
def reports(request):
    """The reports of the establishment of the profile in use (direction and CPE)."""
    profile = active_profile(request)
    establishment = profile.establishment if profile else None
    if establishment is None or not can_handle_message_reports(request.user, establishment):
        raise PermissionDenied
    all_reports = safety.reports_for(establishment)
    return render(
        request,
        "messaging/reports.html",
        {
            "mailbox_current": "reports",
            "establishment": establishment,
            "open_reports": list(all_reports.filter(handled_at__isnull=True)),
            "handled_reports": list(all_reports.filter(handled_at__isnull=False)[:HANDLED_SHOWN]),
        },
    )


@login_required
def report_detail(request, code):
    """The reported message, shown to staff it was not addressed to: each reading is kept."""
    report = safety.access_report(request.user, code)
    safety.do_record_viewing(report, request.user)
    return render(
        request,
        "messaging/report_detail.html",
        {
            "report": report,
            "message": report.message,
            "conversation": report.message.conversation,
            "viewings": report.viewings.select_related("viewer")[:VIEWINGS_SHOWN],
        },
    )


def _report_action(request, code, action, success: str):
    report = safety.access_report(request.user, code)
    try:
        action(request.user, report)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, success)
    return redirect("messaging:report", code=report.code)


@login_required
@require_POST
def lock_conversation(request, code):
    return _report_action(
        request,
        code,
        safety.check_lock,
        _("Conversation verrouillée : plus personne ne peut y répondre."),
    )


@login_required
@require_POST
def unlock_conversation(request, code):
    return _report_action(request, code, safety.check_unlock, _("Conversation déverrouillée."))


@login_required
@require_POST
def mark_handled(request, code):
    return _report_action(
        request, code, safety.check_mark_handled, _("Signalement marqué comme traité.")
    )
