import time
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lien.admission.policy import can_control_establishment_crisis
from lien.assignments import services as assignments
from lien.core import fragments
from lien.core.models import Profile
from lien.core.policy import can_manage_accounts
from lien.core.profiles import active_profile, choose_profile
from lien.core.templatetags.page_parts import account_nav_piece
from lien.home import feed, services
from lien.homework import services as homework
from lien.news import services as news

Role = Profile.Role


@login_required
def index(request):
    """Each role's home page; its content is cached per user and content version (what changes
    it without a write of the user's own, an import say, shows within
    lien.core.fragments.FRAGMENT_SECONDS)."""
    profile = active_profile(request)
    if profile is None:
        return render(request, "home/no_profile.html", status=200)
    feed_page = feed.page_number(request.GET.get(feed.PAGE_PARAM))
    piece = fragments.Piece("home", (profile.code, request.GET.get("enfant", ""), feed_page), True)
    # Flash messages start and end at their own times: kept apart, for the current minute.
    flashes_piece = fragments.Piece("flashes", (profile.code, int(time.time() // 60)))
    fragments.prefetch(request, [account_nav_piece(request), piece, flashes_piece])
    content = fragments.cached(
        request, piece.name, partial(_home_content, request, profile, feed_page), piece.vary, True
    )
    flashes = fragments.cached(
        request,
        flashes_piece.name,
        partial(news.active_flashes, request.user, profile),
        flashes_piece.vary,
    )
    return render(request, "home/page.html", {"content": content, "flashes": flashes})


def _home_content(request, profile, feed_page: int = 1) -> str:
    context = {
        "profile": profile,
        "whats_new": feed.whats_new(request.user, profile, feed_page),
        "news_items": news.home_items(request.user, profile),
        "home_todo": homework.home_todo(profile),
        "home_assignments": assignments.home_assignments(profile),
    }
    if profile.role == Role.STUDENT:
        context["overview"] = services.student_overview(profile)
    elif profile.role == Role.PARENT:
        children, overview = services.parent_overview(request.user, request.GET.get("enfant"))
        context.update(children=children, overview=overview)
    elif profile.role == Role.TEACHER:
        context["teachings"] = services.teacher_overview(profile)
    elif profile.role == Role.STAFF:
        context["classes"] = services.class_summaries(profile.establishment)
        context["manages_accounts"] = can_manage_accounts(request.user, profile.establishment)
        # The direction: the school's usage statistics and its crisis mode.
        context["controls_crisis"] = can_control_establishment_crisis(
            request.user, profile.establishment
        )
    elif profile.role == Role.OPERATOR:
        context["establishments"] = services.collectivity_summaries(profile.collectivity)
        context["summary_minutes"] = services.SUMMARY_CACHE_SECONDS // 60
    elif profile.role == Role.TUTOR:
        context["students"] = services.tutored_students(profile)
    return render_to_string(f"home/{profile.role}.html", context, request=request)


@login_required
@require_POST
def switch_profile(request):
    if not choose_profile(request, request.POST.get("profile", "")):
        messages.error(request, _("Ce profil n'est pas le vôtre."))
    return redirect("home:index")
