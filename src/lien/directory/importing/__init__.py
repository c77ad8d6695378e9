"""CSV import of an establishment's pupils, parents, teachers, classes and groups.

`import_directory` checks the files entirely before writing anything: a file with any problem is
refused as a whole, with every problem and its line. Otherwise everything is written in one
transaction, or, for a dry run (a preview), computed the same way in a transaction that is then
rolled back. See docs/IMPORT.md for the files' columns.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import ngettext

from lien.core import fragments
from lien.core.models import Establishment, Profile
from lien.directory.importing.applying import Applier, FileNames, check_references
from lien.directory.importing.base import (
    KIND_ORDER,
    ImportFile,
    ImportKind,
    ImportProblem,
    UnreadableFile,
)
from lien.directory.importing.reading import decode_csv, read_rows
from lien.directory.importing.records import CHECKS, LAYOUTS, Records
from lien.directory.importing.report import (
    MASS_REMOVAL_PERCENT,
    Removals,
    build_report,
    report_sections,
)
from lien.directory.importing.years import UnknownYear, resolve_year

__all__ = [
    "ImportFile",
    "ImportKind",
    "ImportOutcome",
    "ImportProblem",
    "Removals",
    "UnreadableFile",
    "count_data_lines",
    "decode_csv",
    "import_directory",
    "report_sections",
]


@dataclass
class ImportOutcome:
    problems: list[ImportProblem] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    rows: int = 0
    removals: Removals = field(default_factory=Removals)
    # Refused only because it would remove too many of the year's enrolments (see Removals).
    mass_removal_refused: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def count_data_lines(text: str) -> int:
    """A quick estimate of a file's rows, for the progress bar before the file is read."""
    return max(0, sum(1 for line in text.splitlines() if line.strip(" ;,\t")) - 1)


def import_directory(
    establishment: Establishment,
    files: list[ImportFile],
    year_name: str,
    progress: Callable[[int], None] | None = None,
    *,
    dry_run: bool = False,
    allow_mass_removal: bool = False,
) -> ImportOutcome:
    """Import the files into the establishment for the school year named `year_name`.

    The year is one of the establishment's, or the one after its latest (then created).
    `progress` is called with the number of rows written so far, in batches. Returns the
    problems (and then nothing was written) or the report of what changed.

    With `dry_run`, everything is computed as for a real import, then rolled back: the report
    is exactly what the same import would change right now. Unless `allow_mass_removal`, an
    import that would remove more than MASS_REMOVAL_PERCENT % of the year's enrolments is
    refused (`mass_removal_refused`), for the pupils' file may list only part of the pupils.
    """
    problems: list[ImportProblem] = []
    records = Records()
    columns: dict[str, set[str]] = {}
    readable: dict[str, bool] = {}
    for file in sorted(files, key=lambda f: KIND_ORDER.index(f.kind)):
        rows = read_rows(file, LAYOUTS[file.kind], problems)
        readable[file.kind] = rows is not None
        if rows:
            columns[file.kind] = set(rows[0].values)
            # Records has one list per kind, named like the kind's value.
            setattr(records, ImportKind(file.kind).value, CHECKS[file.kind](file, rows, problems))
    row_count = len(records.students) + len(records.parents) + len(records.teachers)
    names = FileNames({file.kind: file.name for file in files})

    with transaction.atomic():
        # One import at a time per establishment: the second waits for the first to finish.
        Establishment.objects.select_for_update().filter(pk=establishment.pk).first()
        try:
            year, year_created = resolve_year(establishment, year_name)
        except UnknownYear as unknown:
            problems.append(ImportProblem("", "", None, unknown.message))
            return ImportOutcome(problems=in_file_order(problems), rows=row_count)
        problems += check_references(
            establishment, year, records, readable.get(ImportKind.STUDENTS, True), names
        )
        if problems:
            transaction.set_rollback(True)
            return ImportOutcome(problems=in_file_order(problems), rows=row_count)
        applier = Applier(establishment, year, progress)
        if records.students:
            applier.apply_students(records.students, columns[ImportKind.STUDENTS])
            if applier.removals.is_mass_removal and not allow_mass_removal:
                transaction.set_rollback(True)
                problem = mass_removal_problem(applier.removals, year.name, names)
                return ImportOutcome(
                    problems=[problem],
                    rows=row_count,
                    removals=applier.removals,
                    mass_removal_refused=True,
                )
        if records.parents:
            applier.apply_parents(records.parents)
        if records.teachers:
            applier.apply_teachers(records.teachers, columns[ImportKind.TEACHERS])
        if dry_run:
            transaction.set_rollback(True)
        else:
            # Classes, children and teachings show on the home pages of the whole school.
            fragments.touch(
                Profile.objects.filter(establishment=establishment).values_list(
                    "user_id", flat=True
                )
            )
    return ImportOutcome(
        report=build_report(year.name, year_created, applier.report),
        rows=row_count,
        removals=applier.removals,
    )


def mass_removal_problem(removals: Removals, year_name: str, names: FileNames) -> ImportProblem:
    message = ngettext(
        "Ce fichier supprimerait %(count)d inscription sur %(enrolled)d de l'année "
        "%(year)s (plus de %(percent)d %%) : l'élève absent du fichier serait retiré de sa "
        "classe. S'il contient bien la liste complète des élèves de l'année, confirmez-le pour "
        "importer.",
        "Ce fichier supprimerait %(count)d inscriptions sur %(enrolled)d de l'année "
        "%(year)s (plus de %(percent)d %%) : les élèves absents du fichier seraient retirés de "
        "leur classe. S'il contient bien la liste complète des élèves de l'année, confirmez-le "
        "pour importer.",
        removals.count,
    ) % {
        "count": removals.count,
        "enrolled": removals.enrolled,
        "year": year_name,
        "percent": MASS_REMOVAL_PERCENT,
    }
    return names.problem(ImportKind.STUDENTS, None, message)


def in_file_order(problems: list[ImportProblem]) -> list[ImportProblem]:
    """General problems first, then each file's in the order of its lines."""
    order = ["", *KIND_ORDER]
    return sorted(problems, key=lambda p: (order.index(p.kind), p.line or 0))
