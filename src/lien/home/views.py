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
from lien.home import services
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
    piece = fragments.Piece("home", (profile.code, request.GET.get("enfant", "")), True)
    fragments.prefetch(request, [account_nav_piece(request), piece])
    content = fragments.cached(
        request, piece.name, partial(_home_content, request, profile), piece.vary, True
    )
    # Flash messages come and go at their own times: never in the cached content.
    flashes = news.active_flashes(request.user, profile)
    return render(request, "home/page.html", {"content": content, "flashes": flashes})


def _home_content(request, profile) -> str:
    context = {
        "profile": profile,
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
