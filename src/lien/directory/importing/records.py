"""Each kind of file's columns, and its rows checked one by one into records.

Nothing here reads the database: these checks only need the file itself (formats, required
values, duplicates, consistency between the lines of one person).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from lien.directory.importing.base import ImportFile, ImportKind, ImportProblem
from lien.directory.importing.reading import Layout, Row

LIST_SEPARATOR = "|"
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
PHONE_PATTERN = re.compile(r"^\+?[0-9]{6,15}$")
PHONE_FILLERS = re.compile(r"[\s.\-/()]")
YES = {"oui", "o", "1", "vrai", "x", "yes", "y"}
NO = {"non", "n", "0", "faux", "no"}

# Lengths of the database columns the values go to.
MAX_EXTERNAL_ID = 64
MAX_NAME = 150
MAX_EMAIL = 254
MAX_PHONE = 30
MAX_CLASS_NAME = 50
MAX_GROUP_NAME = 80
MAX_SUBJECT_NAME = 100

COMMON_ALIASES = {
    "e_mail": "email",
    "courriel": "email",
    "mail": "email",
    "adresse_e_mail": "email",
    "nom_de_famille": "nom",
}

LAYOUTS = {
    ImportKind.STUDENTS: Layout(
        required=("identifiant", "nom", "prenom", "classe"),
        optional=("date_naissance", "groupes", "email"),
        aliases={**COMMON_ALIASES, "date_de_naissance": "date_naissance", "groupe": "groupes"},
    ),
    ImportKind.PARENTS: Layout(
        required=("identifiant", "nom", "prenom", "identifiant_eleve"),
        optional=("email", "telephone", "responsable_legal"),
        aliases={
            **COMMON_ALIASES,
            "identifiant_de_l_eleve": "identifiant_eleve",
            "tel": "telephone",
        },
    ),
    ImportKind.TEACHERS: Layout(
        required=("identifiant", "nom", "prenom"),
        optional=("email", "matiere", "classes", "groupes", "professeur_principal"),
        aliases={**COMMON_ALIASES, "classe": "classes", "groupe": "groupes"},
    ),
}


@dataclass
class Person:
    """Who a line names: matched to an existing account by (role, external_id)."""

    line: int
    external_id: str
    last_name: str
    first_name: str
    email: str


@dataclass
class StudentRecord(Person):
    birth_date: date | None
    class_name: str
    group_names: list[str]


@dataclass
class ParentRecord(Person):
    """One (parent, pupil) link; a parent of two pupils has two lines."""

    phone: str
    student_id: str
    is_legal_guardian: bool | None  # None: not given (yes for a new link, unchanged otherwise)


@dataclass
class TeacherRecord(Person):
    """One subject of a teacher, with the classes and groups taught; one line per subject."""

    subject: str
    class_names: list[str]
    group_names: list[str]
    main_class: str


@dataclass
class Records:
    students: list[StudentRecord] = field(default_factory=list)
    parents: list[ParentRecord] = field(default_factory=list)
    teachers: list[TeacherRecord] = field(default_factory=list)


class RowChecker:
    """Reads the values of one row, adding a problem for each wrong one."""

    def __init__(self, file: ImportFile, row: Row, problems: list[ImportProblem]):
        self.file, self.row, self.problems = file, row, problems

    def problem(self, message: str) -> None:
        if self.row.misaligned:
            return  # already reported as a whole
        self.problems.append(ImportProblem(self.file.kind, self.file.name, self.row.line, message))

    def text(self, column: str, max_length: int) -> str:
        value = " ".join(self.row[column].split())
        if len(value) > max_length:
            self.problem(
                _("« %(value)s » (colonne %(column)s) dépasse %(max)d caractères.")
                % {"value": shorten(value), "column": column, "max": max_length}
            )
        return value

    def required(self, column: str, max_length: int) -> str:
        value = self.text(column, max_length)
        if not value:
            self.problem(_("la colonne « %(column)s » doit être remplie.") % {"column": column})
        return value

    def names(self, column: str, max_length: int) -> list[str]:
        names: list[str] = []
        for part in self.row[column].split(LIST_SEPARATOR):
            name = " ".join(part.split())
            if len(name) > max_length:
                self.problem(
                    _("« %(value)s » (colonne %(column)s) dépasse %(max)d caractères.")
                    % {"value": shorten(name), "column": column, "max": max_length}
                )
            elif name and name not in names:
                names.append(name)
        return names

    def email(self) -> str:
        value = self.row["email"].strip()
        if not value:
            return ""
        try:
            validate_email(value)
        except ValidationError:
            self.problem(_("l'adresse e-mail « %(value)s » n'est pas valide.") % {"value": value})
            return ""
        return value

    def birth_date(self) -> date | None:
        value = self.row["date_naissance"].strip()
        if not value:
            return None
        for date_format in DATE_FORMATS:
            try:
                born = datetime.strptime(value, date_format).date()
            except ValueError:
                continue
            if born.year < 1900 or born > timezone.localdate():
                break
            return born
        self.problem(
            _("la date de naissance « %(value)s » n'est pas une date valide.") % {"value": value}
        )
        return None

    def phone(self) -> str:
        value = " ".join(self.row["telephone"].split())
        if value and (
            len(value) > MAX_PHONE or not PHONE_PATTERN.match(PHONE_FILLERS.sub("", value))
        ):
            self.problem(
                _("le numéro de téléphone « %(value)s » n'est pas valide.") % {"value": value}
            )
            return ""
        return value

    def yes_no(self, column: str) -> bool | None:
        value = self.row[column].strip().lower()
        if not value:
            return None
        if value in YES:
            return True
        if value in NO:
            return False
        self.problem(
            _("« %(value)s » n'est pas une valeur possible de la colonne %(column)s (oui ou non).")
            % {"value": self.row[column].strip(), "column": column}
        )
        return None

    def person(self) -> dict:
        return {
            "line": self.row.line,
            "external_id": self.required("identifiant", MAX_EXTERNAL_ID),
            "last_name": self.required("nom", MAX_NAME),
            "first_name": self.required("prenom", MAX_NAME),
            "email": self.email(),
        }


def shorten(value: str, length: int = 40) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


def check_students(file: ImportFile, rows: list[Row], problems: list[ImportProblem]):
    records: list[StudentRecord] = []
    first_line: dict[str, int] = {}
    for row in rows:
        checker = RowChecker(file, row, problems)
        record = StudentRecord(
            **checker.person(),
            birth_date=checker.birth_date(),
            class_name=checker.required("classe", MAX_CLASS_NAME),
            group_names=checker.names("groupes", MAX_GROUP_NAME),
        )
        if record.external_id in first_line:
            checker.problem(
                _("l'identifiant « %(id)s » figure déjà à la ligne %(line)d.")
                % {"id": record.external_id, "line": first_line[record.external_id]}
            )
        elif record.external_id:
            first_line[record.external_id] = row.line
        records.append(record)
    return records


def same_person(checker: RowChecker, first: Person, record: Person, contacts: tuple) -> None:
    """A person on several lines must bear the same names on each.

    Contact details (e-mail, phone) may be given on one line only; given twice, they must agree.
    The first line then receives the details that only a later line gives.
    """
    differs = first.last_name != record.last_name or first.first_name != record.first_name
    for name in contacts:
        mine, theirs = getattr(first, name), getattr(record, name)
        if mine and theirs and mine != theirs:
            differs = True
        elif theirs and not mine:
            setattr(first, name, theirs)
    if differs:
        checker.problem(
            _(
                "l'identifiant « %(id)s » figure aussi à la ligne %(line)d avec d'autres nom, "
                "prénom ou coordonnées."
            )
            % {"id": record.external_id, "line": first.line}
        )


def check_parents(file: ImportFile, rows: list[Row], problems: list[ImportProblem]):
    records: list[ParentRecord] = []
    first_of_parent: dict[str, ParentRecord] = {}
    link_line: dict[tuple[str, str], int] = {}
    for row in rows:
        checker = RowChecker(file, row, problems)
        record = ParentRecord(
            **checker.person(),
            phone=checker.phone(),
            student_id=checker.required("identifiant_eleve", MAX_EXTERNAL_ID),
            is_legal_guardian=checker.yes_no("responsable_legal"),
        )
        records.append(record)
        if not record.external_id:
            continue
        first = first_of_parent.setdefault(record.external_id, record)
        if first is not record:
            same_person(checker, first, record, contacts=("email", "phone"))
        link = (record.external_id, record.student_id)
        if record.student_id and link in link_line:
            checker.problem(
                _(
                    "le lien entre « %(parent)s » et l'élève « %(student)s » figure déjà "
                    "à la ligne %(line)d."
                )
                % {"parent": link[0], "student": link[1], "line": link_line[link]}
            )
        else:
            link_line.setdefault(link, row.line)
    return records


def check_teachers(file: ImportFile, rows: list[Row], problems: list[ImportProblem]):
    records: list[TeacherRecord] = []
    first_of_teacher: dict[str, TeacherRecord] = {}
    subject_line: dict[tuple[str, str], int] = {}
    main_class_line: dict[str, int] = {}
    for row in rows:
        checker = RowChecker(file, row, problems)
        record = TeacherRecord(
            **checker.person(),
            subject=checker.text("matiere", MAX_SUBJECT_NAME),
            class_names=checker.names("classes", MAX_CLASS_NAME),
            group_names=checker.names("groupes", MAX_GROUP_NAME),
            main_class=checker.text("professeur_principal", MAX_CLASS_NAME),
        )
        records.append(record)
        if (record.class_names or record.group_names) and not record.subject:
            checker.problem(
                _(
                    "la colonne « matiere » doit être remplie quand des classes ou des groupes "
                    "sont indiqués."
                )
            )
        if record.main_class:
            if record.main_class in main_class_line:
                checker.problem(
                    _("la classe « %(name)s » a déjà un professeur principal, ligne %(line)d.")
                    % {"name": record.main_class, "line": main_class_line[record.main_class]}
                )
            else:
                main_class_line[record.main_class] = row.line
        if not record.external_id:
            continue
        first = first_of_teacher.setdefault(record.external_id, record)
        if first is not record:
            same_person(checker, first, record, contacts=("email",))
        key = (record.external_id, record.subject.lower())
        if record.subject and key in subject_line:
            checker.problem(
                _(
                    "la matière « %(subject)s » de l'enseignant « %(id)s » figure déjà à la ligne "
                    "%(line)d."
                )
                % {"subject": record.subject, "id": record.external_id, "line": subject_line[key]}
            )
        elif record.subject:
            subject_line[key] = row.line
    return records


CHECKS = {
    ImportKind.STUDENTS: check_students,
    ImportKind.PARENTS: check_parents,
    ImportKind.TEACHERS: check_teachers,
}
