from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from lien.core.models import Profile


def forbidden(request, reason: str):
    return render(request, "homework/forbidden.html", {"reason": reason}, status=403)


def refuse(request, establishment, reason: str | None = None):
    """403 with the reason for a member of the establishment; 404 for anyone else, who must not
    learn that the page exists."""
    if not Profile.objects.filter(user=request.user, establishment=establishment).exists():
        raise Http404
    return forbidden(request, reason or _("Vous n'avez pas accès à ce cahier de textes."))
