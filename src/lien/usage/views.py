import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lien.usage import charts, policy, services
from lien.usage.forms import UsageFilterForm


def _filter_form(request) -> UsageFilterForm:
    if not policy.can_view_usage(request.user):
        raise PermissionDenied
    return UsageFilterForm(
        request.GET or None, establishments=policy.usage_establishments(request.user)
    )


def _charts(report: services.UsageReport) -> dict[str, tuple[str, SafeString]]:
    """Each chart's title (shown as its caption, and its SVG <title>) and SVG."""
    unit, columns = charts.days_for_chart(
        [(day, figures.page_views) for day, figures in report.by_day]
    )
    titles = {
        "page_views": _("Pages vues %(unit)s") % {"unit": unit},
        "visits": _("Connexions et visiteurs uniques par jour"),
        "roles": _("Pages vues par profil"),
        "services": _("Pages vues par service"),
    }
    svgs = {
        "page_views": charts.column_chart("chart-page-views", titles["page_views"], columns),
        "visits": charts.line_chart(
            "chart-visits",
            titles["visits"],
            [day.strftime("%d/%m") for day, _figures in report.by_day],
            [
                (_("Connexions"), [figures.sessions for _day, figures in report.by_day]),
                (_("Visiteurs uniques"), [figures.visitor_days for _day, figures in report.by_day]),
            ],
        ),
        "roles": charts.bar_chart(
            "chart-roles",
            titles["roles"],
            [(label, figures.page_views) for label, figures in report.by_role],
        ),
        "services": charts.bar_chart(
            "chart-services",
            titles["services"],
            [(label, figures.page_views) for label, figures in report.by_service],
        ),
    }
    return {name: (titles[name], svg) for name, svg in svgs.items()}


@login_required
@require_GET
def statistics(request):
    form = _filter_form(request)
    context: dict = {"form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "usage/statistics.html", context, status=400)
    establishments = form.chosen_establishments(form.fields["etablissement"].queryset)
    report = services.usage_report(establishments, form.period())
    context.update(
        report=report,
        charts=_charts(report),
        export_query=request.GET.urlencode(),
        several_establishments=len(report.establishments) > 1,
    )
    return render(request, "usage/statistics.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def export_statistics(request):
    """The figures as CSV for a spreadsheet: semicolons and a byte order mark, as French
    Excel expects."""
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "usage/statistics.html", {"form": form}, status=400)
    period = form.period()
    establishments = form.chosen_establishments(form.fields["etablissement"].queryset)
    header, rows = services.export_table(establishments, period)
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"statistiques-lien-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
