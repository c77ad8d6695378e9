from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from lien.core.policy import can_manage_accounts, can_see_account_states
from lien.core.profiles import active_profile
from lien.directory import services
from lien.directory.forms import ImportForm
from lien.directory.importing import report_sections

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
    response = render(
        request,
        "directory/import_job.html",
        {
            "job": job,
            "done_rows": min(job.current_done_rows(), job.total_rows),
            "sections": report_sections(job.report) if job.report else [],
            "error_groups": services.grouped_errors(job),
        },
    )
    if not job.is_finished:
        # Reload every 2 seconds while the import runs: progress without JavaScript.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


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
