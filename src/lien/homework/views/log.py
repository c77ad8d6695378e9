"""Reading the cahier de textes: the entry page, a class's, group's or pupil's log by week, and
the homework load of a class or group."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lien.core.models import Group, Profile, SchoolClass
from lien.core.policy import Role, children_of
from lien.core.profiles import active_profile
from lien.homework import policy, services
from lien.homework.templatetags.homework import log_url, workload_url
from lien.homework.views.common import forbidden, refuse

TARGET_CLASSES = SchoolClass.objects.select_related("school_year", "establishment")
TARGET_GROUPS = Group.objects.select_related("school_year", "establishment")


@login_required
@require_GET
def index(request):
    profile = active_profile(request)
    if profile is not None and profile.role == Role.STUDENT:
        return redirect("homework:student-log", code=profile.code)
    context: dict = {"profile": profile}
    if profile is not None and profile.role == Role.PARENT:
        context["children"] = children_of(request.user)
    elif profile is not None and profile.role == Role.TEACHER:
        context["teachings"] = services.teachings_of(profile, current_only=False)
    elif profile is not None and profile.role == Role.STAFF:
        context["years"] = _establishment_logs(profile.establishment)
    else:
        return forbidden(
            request,
            _(
                "Le cahier de textes se lit par les élèves, leurs parents, les enseignants et "
                "les personnels de l'établissement."
            ),
        )
    return render(request, "homework/index.html", context)


def _establishment_logs(establishment) -> list[tuple[object, list]]:
    """Every class and group of the establishment, by school year (the current one first)."""
    targets: dict = defaultdict(list)
    for model in (SchoolClass, Group):
        for target in model.objects.filter(establishment=establishment).select_related(
            "school_year"
        ):
            targets[target.school_year].append(target)
    years = sorted(targets, key=lambda year: (not year.is_current, -year.starts_on.toordinal()))
    return [(year, targets[year]) for year in years]


def _attach_done_counts(items) -> None:
    """Each item gets `done_count` (how many pupils ticked it, out of how many): for the
    teachers' and staff's pages only."""
    counts = services.done_counts(items)
    for item in items:
        item.done_count = counts[item.pk]


def _week_page(request, targets, title, target=None, student=None):
    today = timezone.localdate()
    anchor = target or (targets[0] if targets else None)
    default = services.default_day(anchor, today) if anchor else today
    monday = services.parse_week(request.GET.get("semaine"), default)
    entries = services.week_entries(request.user, targets, monday, today)
    show_counts = target is not None and policy.can_view_workload(request.user, target)
    if show_counts:
        _attach_done_counts([item for entry in entries for item in entry.work_items.all()])
    days = [
        (day, list(day_entries))
        for day, day_entries in groupby(entries, key=lambda entry: entry.lesson_date)
    ]
    profile = active_profile(request)
    can_write = (
        target is not None
        and profile is not None
        and profile.role == Role.TEACHER
        and target.school_year.is_current
        and policy.teaches_target(request.user, target)
    )
    return render(
        request,
        "homework/week.html",
        {
            "title": title,
            "target": target,
            "student": student,
            "year": anchor.school_year if anchor else None,
            "monday": monday,
            "sunday": monday + timedelta(6),
            "previous_week": monday - timedelta(7),
            "next_week": monday + timedelta(7),
            "this_week": services.week_start(today),
            "days": days,
            "can_write": can_write,
            "workload_url": workload_url(target) if show_counts else "",
            "target_key": services.target_key(target) if target is not None else "",
            "today": today,
        },
    )


@login_required
@require_GET
def class_log(request, code):
    school_class = get_object_or_404(TARGET_CLASSES, code=code)
    if not policy.can_read_log(request.user, school_class):
        return refuse(request, school_class.establishment)
    title = _("Cahier de textes de %(name)s") % {"name": school_class.name}
    return _week_page(request, [school_class], title, target=school_class)


@login_required
@require_GET
def group_log(request, code):
    group = get_object_or_404(
        Group.objects.select_related("school_year", "establishment"), code=code
    )
    if not policy.can_read_log(request.user, group):
        return refuse(request, group.establishment)
    title = _("Cahier de textes du groupe %(name)s") % {"name": group.name}
    return _week_page(request, [group], title, target=group)


@login_required
@require_GET
def student_log(request, code):
    """A pupil's class and groups together, for the pupil and their parents."""
    student = get_object_or_404(
        Profile.objects.select_related("user", "establishment"), code=code, role=Role.STUDENT
    )
    if not policy.can_view_todo(request.user, student):
        return refuse(request, student.establishment)
    title = _("Cahier de textes de %(name)s") % {"name": student.user.get_full_name()}
    return _week_page(request, services.targets_of(student), title, student=student)


@login_required
@require_GET
def entry(request, code):
    entry = get_object_or_404(services.entries_query(), code=code)
    if not policy.can_see_entry(request.user, entry):
        return refuse(request, entry.establishment)
    if policy.is_author(request.user, entry) or policy.can_view_workload(
        request.user, entry.target
    ):
        _attach_done_counts(list(entry.work_items.all()))
    return render(
        request,
        "homework/entry.html",
        {
            "entry": entry,
            "today": timezone.localdate(),
            "log_url": f"{log_url(entry.target)}?semaine={entry.lesson_date.isoformat()}",
            "can_edit": policy.can_edit_entry(request.user, entry),
            "is_author": policy.is_author(request.user, entry),
        },
    )


def _workload_page(request, target):
    if not policy.can_view_workload(request.user, target):
        return refuse(request, target.establishment)
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("depuis", ""))
    except ValueError:
        start = today
    return render(
        request,
        "homework/workload.html",
        {
            "target": target,
            "table": services.WorkloadTable(target, services.workload(target, start)),
            "limit": services.daily_minutes_warning(),
            "start": start,
            "previous": start - timedelta(services.WORKLOAD_DAYS),
            "next": start + timedelta(services.WORKLOAD_DAYS),
            "log_url": log_url(target),
        },
    )


@login_required
@require_GET
def class_workload(request, code):
    target = get_object_or_404(TARGET_CLASSES, code=code)
    return _workload_page(request, target)


@login_required
@require_GET
def group_workload(request, code):
    target = get_object_or_404(
        Group.objects.select_related("school_year", "establishment"), code=code
    )
    return _workload_page(request, target)
