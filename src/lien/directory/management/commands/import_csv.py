"""Import CSV files of pupils, parents and teachers into an establishment (see docs/IMPORT.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lien.core.models import Establishment
from lien.directory.importing import (
    ImportFile,
    ImportKind,
    UnreadableFile,
    count_data_lines,
    decode_csv,
    import_directory,
    report_sections,
)
from lien.directory.importing.years import default_year_name
from lien.directory.services import FILE_HEADINGS

OPTIONS = {
    "eleves": ImportKind.STUDENTS,
    "responsables": ImportKind.PARENTS,
    "enseignants": ImportKind.TEACHERS,
}


class Command(BaseCommand):
    help = (
        "Imports the CSV files of an establishment's pupils, parents and teachers. A file with "
        "any error is refused as a whole: nothing is written and every error is printed with "
        "its line. Exits with status 1 on errors."
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
            raise CommandError("Import refusé : rien n'a été modifié.")
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

            outcome = import_directory(establishment, files, year_name, progress)
            if outcome.ok:
                bar.total = outcome.rows
                bar.update(outcome.rows - bar.n)

        if not outcome.ok:
            self.print_problems(outcome.problems, files)
            raise CommandError("Import refusé : rien n'a été modifié.")
        self.print_report(establishment, outcome.report)

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

    def print_report(self, establishment, report) -> None:
        created = " (créée)" if report["year_created"] else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Import terminé : {establishment.name}, année {report['year']}{created}."
            )
        )
        for section in report_sections(report):
            self.stdout.write(f"{section.title} :")
            for label, count in section.lines:
                self.stdout.write(f"  {label} : {count}")


class RawOutput:
    """Lets tqdm redraw its bar on one line: the command's OutputWrapper ends each write with \n."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
