"""Private calendar addresses (iCalendar) of the work due: the page that shows them, their
reset, and the feed itself (no session: the token is the key)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lien.homework import feeds, services
from lien.homework.views.common import forbidden


@login_required
@require_GET
def calendar_feeds(request):
    choices = feeds.feed_choices(request.user)
    if not choices:
        return forbidden(
            request, _("Les agendas du travail à faire sont ceux des élèves et de leurs parents.")
        )
    rows = [
        (
            choice,
            request.build_absolute_uri(
                reverse("homework:feed", kwargs={"token": feeds.feed_for(choice).token})
            ),
        )
        for choice in choices
    ]
    response = render(request, "homework/feeds.html", {"rows": rows})
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def reset_feed(request):
    code = request.POST.get("eleve", "")
    choice = next(
        (c for c in feeds.feed_choices(request.user) if str(c.student.code) == code), None
    )
    if choice is None:
        raise Http404
    try:
        feeds.do_reset(request.user, choice)
    except services.Refused as refusal:
        return forbidden(request, refusal.reason)
    messages.success(request, _("Nouvelle adresse créée : l'ancienne ne fonctionne plus."))
    return redirect("homework:feeds")


@require_GET
def feed(request, token):
    found = feeds.feed_by_token(token)
    if found is None:
        raise Http404
    body = feeds.calendar_bytes(found, request.build_absolute_uri(reverse("homework:todo")))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="travail-a-faire.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
