"""From uploaded bytes to rows: the encoding, the separator and the header of a CSV file.

Spreadsheets export CSV in UTF-8 (with or without a byte order mark) or in Windows-1252, with
`;` (French settings) or `,` between values. Column names are matched ignoring case, accents,
spaces and punctuation, so that "Date de naissance" or "PRÉNOM" are understood.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lien.directory.importing.base import ImportFile, ImportProblem, UnreadableFile

UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS = (";", ",")
ALLOWED_CONTROL_CHARACTERS = {"\t", "\n", "\r"}


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]
    # More values than columns: the values are shifted, so checking them would only add noise.
    misaligned: bool = False

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


def not_csv_message() -> str:
    return _(
        "Ce fichier n'est pas un fichier CSV lisible : dans votre tableur, enregistrez le tableau "
        "au format « CSV » (UTF-8 ou Windows), avec le point-virgule ou la virgule comme "
        "séparateur."
    )


def decode_csv(data: bytes) -> str:
    """The text of a CSV file in UTF-8 (a BOM is dropped) or else Windows-1252.

    Raises UnreadableFile for an empty file and for anything that is not text (a spreadsheet
    saved as .xlsx or .ods, a PDF, UTF-16 "Unicode text").
    """
    if data.startswith(UTF8_BOM):
        encodings = ["utf-8-sig"]
    elif b"\x00" in data:
        raise UnreadableFile(not_csv_message())
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not text.strip():
            raise UnreadableFile(_("Le fichier est vide."))
        if any(
            unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROL_CHARACTERS for ch in text
        ):
            raise UnreadableFile(not_csv_message())
        return text
    raise UnreadableFile(not_csv_message())


def column_key(name: str) -> str:
    """ "Date de naissance" → "date_de_naissance", "Prénom" → "prenom"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")


def detect_delimiter(header_line: str) -> str:
    """The separator of the header line: whichever of `;` and `,` it holds more of."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])


@dataclass(frozen=True)
class Layout:
    """The columns one kind of file may have."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    aliases: dict[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def read_rows(file: ImportFile, layout: Layout, problems: list[ImportProblem]) -> list[Row] | None:
    """The non-blank rows of the file, or None when its header cannot be understood.

    Problems are appended to `problems`, each with its line number (the header is line 1).
    """

    def problem(line: int | None, message: str) -> None:
        problems.append(ImportProblem(file.kind, file.name, line, message))

    first_line = file.text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = detect_delimiter(first_line)
    records = csv.reader(io.StringIO(file.text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = next(records, None)
    except csv.Error:
        header = None
    if header is None or not any(cell.strip() for cell in header):
        problem(None, _("Le fichier est vide ou sa première ligne (l'en-tête) est vide."))
        return None

    keys = header_keys(header, layout, lambda message: problem(1, message))
    if keys is None:
        return None

    rows = []
    line = 1
    while True:
        line += 1
        try:
            cells = next(records, None)
        except csv.Error:
            problem(line, _("cette ligne est illisible (vérifiez les guillemets)."))
            return None
        if cells is None:
            break
        if not any(cell.strip() for cell in cells):
            continue
        extra = [cell for cell in cells[len(keys) :] if cell.strip()]
        if extra:
            used = len(cells) - next(i for i, c in enumerate(reversed(cells)) if c.strip())
            problem(
                line,
                _(
                    "%(values)d valeurs pour %(columns)d colonnes : vérifiez le séparateur "
                    "(« ; » ou « , ») et les guillemets."
                )
                % {"values": used, "columns": len(keys)},
            )
            # Still read: the row's identifier is known to the other files' checks.
        values = {
            key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(keys) if key
        }
        rows.append(Row(line, values, misaligned=bool(extra)))
    if not rows and not problems_of(file, problems):
        problem(None, _("Le fichier ne contient aucune ligne sous l'en-tête."))
    return rows


def header_keys(header: list[str], layout: Layout, problem) -> list[str] | None:
    """The column of each header cell ("" for an unnamed one), or None if the header is wrong."""
    keys: list[str] = []
    wrong = False
    for cell in header:
        key = column_key(cell)
        key = layout.aliases.get(key, key)
        if key and key not in layout.columns:
            problem(
                _("la colonne « %(name)s » est inconnue. Colonnes possibles : %(columns)s.")
                % {"name": cell.strip(), "columns": ", ".join(layout.columns)}
            )
            wrong = True
        elif key and key in keys:
            problem(_("la colonne « %(name)s » figure deux fois.") % {"name": key})
            wrong = True
        keys.append(key)
    for column in layout.required:
        if column not in keys:
            problem(_("la colonne obligatoire « %(name)s » manque.") % {"name": column})
            wrong = True
    return None if wrong else keys


def problems_of(file: ImportFile, problems: list[ImportProblem]) -> list[ImportProblem]:
    return [p for p in problems if p.kind == file.kind]
