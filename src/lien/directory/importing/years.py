"""The school year an import is for: one of the establishment's, or the one after its latest."""

import re
from datetime import date

from django.utils.translation import gettext as _

from lien.core.demo import current_school_year_bounds
from lien.core.models import Establishment, SchoolYear

YEAR_NAME = re.compile(r"^(\d{4})-(\d{4})$")
# A new school year runs from the 1st of September to early July, as the demo's do.
STARTS = (9, 1)
ENDS = (7, 4)


class UnknownYear(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def next_year_name(establishment: Establishment) -> str:
    """The year after the establishment's latest one ("2027-2028" after "2026-2027")."""
    latest = establishment.school_years.order_by("-starts_on").first()
    if latest is None:
        return current_school_year_bounds()[0]
    match = YEAR_NAME.match(latest.name)
    start = int(match.group(1)) + 1 if match else latest.starts_on.year + 1
    return f"{start}-{start + 1}"


def default_year_name(establishment: Establishment) -> str:
    current = establishment.current_school_year()
    return current.name if current else next_year_name(establishment)


def year_choices(establishment: Establishment) -> list[tuple[str, str]]:
    """(name, label) of the years an import may target, the newest first."""
    names = list(establishment.school_years.values_list("name", flat=True))
    choices = [(name, name) for name in names]
    new_name = next_year_name(establishment)
    return [(new_name, _("%(name)s (nouvelle année)") % {"name": new_name}), *choices]


def resolve_year(establishment: Establishment, name: str) -> tuple[SchoolYear, bool]:
    """The school year named `name`, created if it is the next one; (year, created).

    Raises UnknownYear for any other name. Call inside the import's transaction.
    """
    existing = establishment.school_years.filter(name=name).first()
    if existing is not None:
        return existing, False
    if name != next_year_name(establishment):
        names = [choice for choice, _label in year_choices(establishment)]
        raise UnknownYear(
            _(
                "L'année scolaire « %(name)s » n'est pas possible ici ; années possibles : "
                "%(names)s."
            )
            % {"name": name, "names": ", ".join(names)}
        )
    start = int(name[:4])
    year = SchoolYear.objects.create(
        establishment=establishment,
        name=name,
        starts_on=date(start, *STARTS),
        ends_on=date(start + 1, *ENDS),
        is_current=not establishment.school_years.filter(is_current=True).exists(),
    )
    return year, True
