"""The crisis page: collectivité operators and the direction declare and end crisis modes."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lien.admission import services
from lien.admission.forms import StartCrisisForm, error_field


@login_required
@require_http_methods(["GET", "POST"])
def crisis(request):
    scopes = services.controllable_scopes(request.user)
    if not scopes:
        raise PermissionDenied
    form = StartCrisisForm(request.POST if request.method == "POST" else None, scopes=scopes)
    if request.method == "POST" and form.is_valid():
        scope = form.cleaned_data["scope"]
        try:
            services.check_start_crisis(request.user, scope, form.crisis_settings())
        except ValidationError as error:
            form.add_error(error_field(error), error)
        else:
            flash.success(
                request, _("Le mode crise est déclaré pour %(scope)s.") % {"scope": scope}
            )
            return redirect("admission:crisis")
    modes = list(services.controllable_modes(request.user)[:50])
    return render(
        request,
        "admission/crisis.html",
        {
            "form": form,
            "active": [(mode, services.describe_windows(mode)) for mode in modes if mode.is_active],
            "past": [mode for mode in modes if not mode.is_active][:20],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def end_crisis(request, code):
    mode = services.access_crisis_for_user(request.user, code)
    if mode is None:
        raise Http404
    try:
        services.check_end_crisis(request.user, mode)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request, _("Le mode crise est terminé pour %(scope)s.") % {"scope": mode.scope}
        )
    return redirect("admission:crisis")
