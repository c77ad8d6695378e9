from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lien.accounts import two_factor
from lien.core.policy import can_manage_accounts, can_see_account_states
from lien.core.profiles import active_profile
from lien.directory import services
from lien.directory.forms import ConfirmImportForm, ImportForm
from lien.directory.importing import report_sections
from lien.directory.importing.report import MASS_REMOVAL_PERCENT

REFRESH_SECONDS = 2


@login_required
def import_files(request):
    """Upload CSV files for the establishment of the staff profile in use."""
    profile = active_profile(request)
    establishment = profile.establishment if profile else None
    if establishment is None or not can_manage_accounts(request.user, establishment):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, establishment=establishment)
    if request.method == "POST" and form.is_valid():
        job = services.check_start_import(
            request.user, establishment, form.cleaned_data["annee"], form.files_to_import
        )
        return redirect(job)
    return render(
        request,
        "directory/import.html",
        {"form": form, "establishment": establishment, "jobs": services.recent_jobs(establishment)},
        status=400 if form.errors else 200,
    )


@login_required
def import_job(request, code):
    job = services.access_import_job(request.user, code)
    return job_page(request, job)


def job_page(request, job, confirm_form=None, status=200):
    context = {
        "job": job,
        "done_rows": min(job.current_done_rows(), job.total_rows),
        "sections": report_sections(job.report) if job.report else [],
        "error_groups": services.grouped_errors(job),
    }
    if job.status == job.Status.PREVIEWED:
        context["summary"] = services.preview_summary(job)
        context["mass_removal_percent"] = MASS_REMOVAL_PERCENT
        context["confirm_form"] = confirm_form or ConfirmImportForm(
            requires_complete_list=job.needs_complete_list
        )
    response = render(request, "directory/import_job.html", context, status=status)
    if job.is_in_progress:
        # Reload every 2 seconds while the files are checked or imported: no JavaScript needed.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
@require_POST
def confirm_import(request, code):
    """Run a previewed import for real; the checkbox is required when it removes many pupils."""
    job = services.access_import_job(request.user, code)
    if job.status == job.Status.PREVIEWED:
        form = ConfirmImportForm(request.POST, requires_complete_list=job.needs_complete_list)
        if not form.is_valid():
            return job_page(request, job, form, status=400)
        complete_list = form.cleaned_data["liste_complete"]
    else:
        # The service says why a job past its preview cannot be confirmed (again).
        complete_list = False
    try:
        services.check_confirm_import(request.user, job, complete_list)
    except services.ImportJobRefused as refused:
        messages.error(request, refused.message)
    return redirect(job)


@login_required
@require_POST
def cancel_import(request, code):
    job = services.access_import_job(request.user, code)
    try:
        services.check_cancel_import(request.user, job)
    except services.ImportJobRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Import annulé : rien n'a été modifié."))
    return redirect(job)


@login_required
def class_roster(request, code):
    school_class = services.access_class_for_roster(request.user, code)
    return render(
        request,
        "directory/class_roster.html",
        {
            "school_class": school_class,
            "rows": services.class_roster(school_class),
            "shows_accounts": can_see_account_states(request.user, school_class.establishment),
            "manages_accounts": can_manage_accounts(request.user, school_class.establishment),
        },
    )


@login_required
def staff(request):
    """The staff of the account manager's establishment, with their two-factor state."""
    profile = active_profile(request)
    establishment = profile.establishment if profile else None
    if establishment is None or not can_manage_accounts(request.user, establishment):
        raise PermissionDenied
    return render(
        request,
        "directory/staff.html",
        {"establishment": establishment, "members": services.staff_members(establishment)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reset_two_factor(request, code):
    """Confirm (GET), then turn off (POST) a staff member's two-factor authentication."""
    member = services.access_staff_member(request.user, code)
    is_self = member.user_id == request.user.pk
    context = {"member": member, "enabled": two_factor.is_enabled(member.user), "is_self": is_self}
    if is_self:
        # One's own is turned off with a code, from the security page.
        return render(request, "directory/staff_two_factor_reset.html", context, status=403)
    if request.method != "POST":
        return render(request, "directory/staff_two_factor_reset.html", context)
    name = member.user.get_full_name() or member.user.get_username()
    if not services.check_reset_two_factor(request.user, member):
        messages.info(
            request,
            _("La double authentification n'est pas activée pour %(name)s : rien n'a changé.")
            % {"name": name},
        )
    elif member.user.email:
        messages.success(
            request,
            _(
                "Double authentification désactivée pour %(name)s, dont les sessions sont "
                "fermées. Un e-mail l'en informe."
            )
            % {"name": name},
        )
    else:
        messages.success(
            request,
            _(
                "Double authentification désactivée pour %(name)s, dont les sessions sont "
                "fermées. Son compte n'a pas d'adresse e-mail : prévenez cette personne."
            )
            % {"name": name},
        )
    return redirect("directory:staff")
