"""Import CSV files of pupils, parents and teachers into an establishment (see docs/IMPORT.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lien.core.models import Establishment
from lien.directory.importing import (
    ImportFile,
    ImportKind,
    Removals,
    UnreadableFile,
    count_data_lines,
    decode_csv,
    import_directory,
    report_sections,
)
from lien.directory.importing.report import MASS_REMOVAL_PERCENT
from lien.directory.importing.years import default_year_name
from lien.directory.services import FILE_HEADINGS

OPTIONS = {
    "eleves": ImportKind.STUDENTS,
    "responsables": ImportKind.PARENTS,
    "enseignants": ImportKind.TEACHERS,
}


REFUSED = "Import refusé : rien n'a été modifié."


class Command(BaseCommand):
    help = (
        "Imports the CSV files of an establishment's pupils, parents and teachers. A file with "
        "any error is refused as a whole: nothing is written and every error is printed with "
        "its line. An import that would remove more than 10 % of the year's enrolments is "
        "refused unless --complete-list is given. Exits with status 1 on errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--uai", required=True, help="UAI of the establishment, e.g. 0459990X")
        parser.add_argument("--eleves", type=Path, help="pupils' file (classes and groups)")
        parser.add_argument("--responsables", type=Path, help="parents' file")
        parser.add_argument("--enseignants", type=Path, help="teachers' file")
        parser.add_argument(
            "--annee",
            help="school year, e.g. 2027-2028 (default: the current one); the year after the "
            "latest one is created",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the files and print what the import would change, writing nothing",
        )
        parser.add_argument(
            "--complete-list",
            action="store_true",
            help="the pupils' file lists every pupil of the year: needed when the import "
            "removes more than 10 %% of the year's enrolments (pupils missing from the file)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        establishment = Establishment.objects.filter(uai=options["uai"].upper()).first()
        if establishment is None:
            raise CommandError(f"Aucun établissement n'a le code UAI « {options['uai']} ».")
        files, unreadable = [], []
        for option, kind in OPTIONS.items():
            if options[option] is None:
                continue
            path = Path(options[option])
            try:
                files.append(ImportFile(kind, path.name, decode_csv(path.read_bytes())))
            except OSError as error:
                raise CommandError(f"{path} : {error.strerror}") from None
            except UnreadableFile as problem:
                unreadable.append(f"{FILE_HEADINGS[kind]} ({path.name}) :\n  {problem.message}")
        if not files and not unreadable:
            raise CommandError(
                "Indiquez au moins un fichier : --eleves, --responsables ou --enseignants."
            )
        if unreadable:
            self.stderr.write("\n".join(unreadable))
            raise CommandError(REFUSED)
        year_name = options["annee"] or default_year_name(establishment)

        total = sum(count_data_lines(file.text) for file in files)
        with tqdm(
            total=total,
            unit=" lignes",
            file=RawOutput(self.stderr),
            disable=options["no_progress"] or options["verbosity"] == 0,
        ) as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            outcome = import_directory(
                establishment,
                files,
                year_name,
                progress,
                dry_run=options["dry_run"],
                # A dry run writes nothing: it reports the removals, whatever their number.
                allow_mass_removal=options["complete_list"] or options["dry_run"],
            )
            if outcome.ok:
                bar.total = outcome.rows
                bar.update(outcome.rows - bar.n)

        if not outcome.ok:
            self.print_problems(outcome.problems, files)
            if outcome.mass_removal_refused:
                self.print_removals(outcome.removals, self.stderr)
                raise CommandError(
                    f"{REFUSED} Si le fichier des élèves contient bien la liste complète des "
                    "élèves de l'année, relancez avec --complete-list."
                )
            raise CommandError(REFUSED)
        self.print_report(establishment, outcome.report, options["dry_run"])
        self.print_removals(outcome.removals, self.stdout)
        if options["dry_run"] and outcome.removals.is_mass_removal and not options["complete_list"]:
            self.stdout.write(
                self.style.WARNING(
                    f"Attention : cet import supprimerait {outcome.removals.count} des "
                    f"{outcome.removals.enrolled} inscriptions de l'année (plus de "
                    f"{MASS_REMOVAL_PERCENT} %). Il ne sera fait qu'avec --complete-list, si le "
                    "fichier des élèves contient bien la liste complète des élèves de l'année."
                )
            )

    def print_problems(self, problems, files) -> None:
        names = {file.kind: file.name for file in files}
        current = None
        for problem in problems:
            if problem.kind != current:
                current = problem.kind
                if problem.kind:
                    heading = FILE_HEADINGS[ImportKind(problem.kind)]
                    self.stderr.write(f"{heading} ({names[problem.kind]}) :")
            self.stderr.write(f"  {problem}" if problem.kind else str(problem))

    def print_report(self, establishment, report, dry_run: bool) -> None:
        if dry_run:
            created = " (à créer)" if report["year_created"] else ""
            heading = "Aperçu, rien n'a été modifié"
        else:
            created = " (créée)" if report["year_created"] else ""
            heading = "Import terminé"
        self.stdout.write(
            self.style.SUCCESS(
                f"{heading} : {establishment.name}, année {report['year']}{created}."
            )
        )
        for section in report_sections(report):
            self.stdout.write(f"{section.title} :")
            for label, count in section.lines:
                self.stdout.write(f"  {label} : {count}")

    def print_removals(self, removals: Removals, output) -> None:
        if not removals.count:
            return
        output.write("Élèves retirés de leur classe (absents du fichier) :")
        for student in removals.students:
            identifier = f", {student['external_id']}" if student["external_id"] else ""
            output.write(
                f"  {student['last_name']} {student['first_name']} "
                f"({student['class_name']}{identifier})"
            )
        others = removals.count - len(removals.students)
        if others:
            output.write(f"  et {others} autre{'s' if others > 1 else ''}.")


class RawOutput:
    """Lets tqdm redraw its bar on one line: the command's OutputWrapper ends each write with \n."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
