"""What an import changed, counted per kind of person, and how the counts are labelled."""

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from lien.core.models import Profile

Role = Profile.Role

# Removing more than this share of the year's enrolments asks for a confirmation that the pupils'
# file is the complete list of the year (a file of one class would otherwise empty the others).
MASS_REMOVAL_PERCENT = 10
# How many of the removed pupils a preview names.
LISTED_REMOVALS = 50

PEOPLE_COUNTS = [
    ("created", _("comptes créés")),
    ("updated", _("comptes mis à jour")),
    ("unchanged", _("comptes inchangés")),
]
SECTIONS = [
    (
        Role.STUDENT,
        _("Élèves"),
        [
            *PEOPLE_COUNTS,
            ("enrolled", _("inscriptions dans une classe")),
            ("moved", _("changements de classe")),
            ("removed", _("départs (inscriptions de l'année retirées)")),
            ("classes_created", _("classes créées")),
            ("groups_created", _("groupes créés")),
            ("memberships_added", _("ajouts dans un groupe")),
            ("memberships_removed", _("retraits d'un groupe")),
        ],
    ),
    (
        Role.PARENT,
        _("Responsables"),
        [
            *PEOPLE_COUNTS,
            ("links_created", _("liens avec un élève créés")),
            ("links_updated", _("liens modifiés (responsable légal ou non)")),
            ("links_removed", _("liens retirés")),
        ],
    ),
    (
        Role.TEACHER,
        _("Enseignants"),
        [
            *PEOPLE_COUNTS,
            ("subjects_created", _("matières créées")),
            ("teachings_created", _("services d'enseignement ajoutés")),
            ("teachings_removed", _("services d'enseignement retirés")),
            ("main_teachers_changed", _("professeurs principaux changés")),
        ],
    ),
]


def build_report(year_name: str, year_created: bool, counts: dict[str, Counter]) -> dict:
    """The JSON report of an import: every count of every imported kind, zeros included."""
    report: dict = {"year": year_name, "year_created": year_created}
    for role, _title, labels in SECTIONS:
        if role in counts:
            report[role.value] = {key: counts[role][key] for key, _label in labels}
    return report


@dataclass
class ReportSection:
    title: str
    lines: list[tuple[str, int]]


def report_sections(report: dict) -> list[ReportSection]:
    return [
        ReportSection(str(title), [(str(label), report[role][key]) for key, label in labels])
        for role, title, labels in SECTIONS
        if role in report
    ]


def changed_anything(report: dict) -> bool:
    return report.get("year_created", False) or any(
        count
        for role, _title, _labels in SECTIONS
        for key, count in report.get(role, {}).items()
        if key != "unchanged"
    )


@dataclass
class Removals:
    """The year's enrolments an import removes: the pupils its pupils' file no longer lists."""

    count: int = 0
    enrolled: int = 0  # the year's enrolments before the import
    students: list[dict] = field(default_factory=list)  # the first LISTED_REMOVALS, by class

    @property
    def is_mass_removal(self) -> bool:
        return self.count * 100 > self.enrolled * MASS_REMOVAL_PERCENT

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "enrolled": self.enrolled,
            "is_mass_removal": self.is_mass_removal,
            "students": self.students,
        }
