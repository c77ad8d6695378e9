"""A pupil's to-do list (for the pupil, and for each child of a parent) and ticking work done."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lien.core.models import Profile
from lien.core.policy import Role, children_of
from lien.core.profiles import active_profile
from lien.homework import policy, services
from lien.homework.models import WorkItem
from lien.homework.views.common import forbidden, refuse


@login_required
@require_GET
def todo(request):
    profile = active_profile(request)
    children: list[Profile] = []
    if profile is not None and profile.role == Role.STUDENT:
        student = profile
    elif profile is not None and profile.role == Role.PARENT:
        children = list(children_of(request.user))
        chosen = request.GET.get("enfant")
        student = next((c for c in children if str(c.code) == chosen), None)
        if chosen and student is None:
            raise Http404
        if student is None and children:
            student = children[0]
        if student is None:
            return forbidden(request, _("Aucun enfant n'est rattaché à votre compte."))
    else:
        return forbidden(
            request, _("La liste du travail à faire est celle des élèves et de leurs parents.")
        )
    return render(
        request,
        "homework/todo.html",
        {
            "student": student,
            "children": children,
            "days": services.todo_days(student),
            "can_tick": policy.can_tick(request.user, student),
        },
    )


@login_required
@require_POST
def tick(request, code):
    """Tick (fait=1) or untick (fait=0) a work item: the pupil only."""
    item = get_object_or_404(WorkItem.objects.select_related("entry"), code=code)
    student = Profile.objects.filter(
        user=request.user, role=Role.STUDENT, establishment_id=item.entry.establishment_id
    ).first()
    if student is None:
        return refuse(
            request, item.entry.establishment, _("Seul l'élève coche son propre travail.")
        )
    try:
        services.do_tick(request.user, student, item, request.POST.get("fait") == "1")
    except services.Refused as refusal:
        return forbidden(request, refusal.reason)
    return redirect(f"{reverse('homework:todo')}#travail-{item.code}")
