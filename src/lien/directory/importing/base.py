"""The vocabulary of an import: the kinds of files, the files, and the problems found in them."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ImportKind(models.TextChoices):
    STUDENTS = "students", gettext_lazy("élèves")
    PARENTS = "parents", gettext_lazy("responsables")
    TEACHERS = "teachers", gettext_lazy("enseignants")


# Applied in this order: parents and teachers refer to the pupils and classes of the first.
KIND_ORDER = [ImportKind.STUDENTS, ImportKind.PARENTS, ImportKind.TEACHERS]


@dataclass(frozen=True)
class ImportFile:
    kind: ImportKind
    name: str  # the file's name, shown in messages
    text: str  # the decoded content


@dataclass(frozen=True)
class ImportProblem:
    """One reason to refuse an import; `line` counts as a spreadsheet does (the header is 1)."""

    kind: str
    file_name: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Ligne %(line)d : %(message)s") % {"line": self.line, "message": self.message}

    def as_dict(self) -> dict:
        return {"kind": self.kind, "file": self.file_name, "line": self.line, "text": str(self)}


class UnreadableFile(Exception):
    """The bytes of an upload are not a CSV text file; the message says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
