"""Printable activation letters (PDF): one per pupil and per parent of a class.

Printing issues fresh codes for exactly the accounts printed, in the same transaction as the
PDF is built: if building fails, the earlier letters stay valid. The letters are drawn straight
onto a ReportLab canvas: a whole class (35 pupils and 70 parents) takes a fraction of a second.
"""

from __future__ import annotations

import functools
import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import formats, timezone, translation
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from lien.accounts.activation import IssuedCode, do_issue_codes
from lien.accounts.models import User
from lien.core.models import ParentLink, Profile, SchoolClass

logger = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAGE_WIDTH, PAGE_HEIGHT = A4
INK = HexColor("#1b1f23")
MUTED = HexColor("#4a5560")
ACCENT = HexColor("#0b4f8a")
LINE = HexColor("#9aa5b1")
WASH = HexColor("#f3f5f7")
LETTERS_PER_PAGE = (1, 2, 8)


class Audience(models.TextChoices):
    BOTH = "both", gettext_lazy("Élèves et parents")
    STUDENTS = "students", gettext_lazy("Élèves seulement")
    PARENTS = "parents", gettext_lazy("Parents seulement")


@dataclass(frozen=True)
class Recipient:
    user: User
    children: tuple[str, ...] = ()  # for a parent, their children's names in the class

    @property
    def is_parent(self) -> bool:
        return bool(self.children)


@dataclass(frozen=True)
class Letter:
    full_name: str
    username: str
    code: str
    expires_at: datetime
    class_name: str
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintedLetters:
    content: bytes
    count: int


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def letter_recipients(
    school_class: SchoolClass, audience: str, only_not_activated: bool
) -> list[Recipient]:
    """Who gets a letter, pupils by name, each pupil's parents right after them.

    A parent of two pupils of the class gets one letter naming both. Deactivated accounts get
    none, since they cannot log in.
    """
    students = list(
        Profile.objects.filter(role=Profile.Role.STUDENT, enrolments__school_class=school_class)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    parents_of: dict[int, list[User]] = defaultdict(list)
    children_of: dict[int, list[str]] = defaultdict(list)
    if audience != Audience.STUDENTS:
        links = (
            ParentLink.objects.filter(student__in=students)
            .select_related("parent__user")
            .order_by("parent__user__last_name", "parent__user__first_name", "parent__pk")
        )
        for link in links:
            parents_of[link.student_id].append(link.parent.user)
        for student in students:
            for parent in parents_of[student.pk]:
                children_of[parent.pk].append(_name(student.user))

    recipients: list[Recipient] = []
    seen: set[int] = set()

    def add(user: User, children: tuple[str, ...] = ()) -> None:
        if user.pk in seen or not user.is_active:
            return
        if only_not_activated and user.activated_at is not None:
            return
        seen.add(user.pk)
        recipients.append(Recipient(user, children))

    for student in students:
        if audience != Audience.PARENTS:
            add(student.user)
        for parent in parents_of[student.pk]:
            add(parent, tuple(children_of[parent.pk]))
    return recipients


@dataclass(frozen=True)
class ClassAccounts:
    """How many accounts of a class could get a letter, and how many of them wait for one."""

    students: int
    students_not_activated: int
    parents: int
    parents_not_activated: int


def class_accounts(school_class: SchoolClass) -> ClassAccounts:
    recipients = letter_recipients(school_class, Audience.BOTH, only_not_activated=False)
    students = [r for r in recipients if not r.is_parent]
    parents = [r for r in recipients if r.is_parent]
    return ClassAccounts(
        students=len(students),
        students_not_activated=sum(1 for r in students if r.user.activated_at is None),
        parents=len(parents),
        parents_not_activated=sum(1 for r in parents if r.user.activated_at is None),
    )


def do_print_letters(
    school_class: SchoolClass, audience: str, only_not_activated: bool, per_page: int
) -> PrintedLetters | None:
    """Issue fresh codes to the class's recipients and return their letters as a PDF.

    None when nobody is left to print (nothing is changed then). Codes printed earlier for the
    same accounts and not used yet stop working.
    """
    recipients = letter_recipients(school_class, audience, only_not_activated)
    if not recipients:
        return None
    with transaction.atomic():
        issued = do_issue_codes([recipient.user for recipient in recipients])
        letters = [
            _letter(recipient, code, school_class.name)
            for recipient, code in zip(recipients, issued, strict=True)
        ]
        content = build_letters_pdf(
            letters,
            establishment_name=school_class.establishment.name,
            site_url=settings.SITE_URL,
            per_page=per_page,
            title=f"{school_class.name} – {school_class.establishment.name}",
        )
    logger.info("Printed %d activation letters for class %s", len(letters), school_class.code)
    return PrintedLetters(content, len(letters))


def _letter(recipient: Recipient, issued: IssuedCode, class_name: str) -> Letter:
    return Letter(
        full_name=_name(recipient.user),
        username=recipient.user.get_username(),
        code=issued.code,
        expires_at=issued.expires_at,
        class_name=class_name,
        children=recipient.children,
    )


# Drawing


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    mono: str


@functools.cache
def fonts() -> Fonts:
    """DejaVu when installed (embedded, wide coverage), else the PDF base fonts."""
    try:
        pdfmetrics.registerFont(TTFont("LienSans", str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("LienSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFont(TTFont("LienMono-Bold", str(FONT_DIR / "DejaVuSansMono-Bold.ttf")))
    except (OSError, TTFError):
        # Helvetica covers French (accents, œ, «»): the letters only look plainer.
        return Fonts("Helvetica", "Helvetica-Bold", "Courier-Bold")
    return Fonts("LienSans", "LienSans-Bold", "LienMono-Bold")


def _expiry(letter: Letter) -> str:
    return formats.date_format(timezone.localtime(letter.expires_at), "j F Y")


def _role_line(letter: Letter, class_first: bool = False) -> str:
    """What the person is to the class; with `class_first`, cutting the end keeps the class."""
    if not letter.children:
        return _("Élève de %(class)s") % {"class": letter.class_name}
    values = {"children": get_text_list(list(letter.children), _("et")), "class": letter.class_name}
    if class_first:
        return _("%(class)s – responsable de %(children)s") % values
    return _("Responsable de %(children)s, %(class)s") % values


def _lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap on spaces, then cut anything still too wide (a long address) between characters."""
    lines = []
    for line in simpleSplit(text, font, size, width):
        while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def _fitting_size(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size, down to `smallest`, at which `text` fits on one line."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


class _Cursor:
    """Writes lines downwards from the top of a box."""

    def __init__(self, canvas: Canvas, x: float, top: float, width: float):
        self.canvas = canvas
        self.x = x
        self.y = top
        self.width = width

    def gap(self, height: float) -> None:
        self.y -= height

    def text(
        self,
        text: str,
        font: str,
        size: float,
        *,
        color=INK,
        leading: float | None = None,
        indent: float = 0,
        max_lines: int | None = None,
    ) -> None:
        leading = leading or size * 1.3
        lines = _lines(text, font, size, self.width - indent)
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            last = lines[-1]
            while last and pdfmetrics.stringWidth(f"{last} …", font, size) > self.width - indent:
                last = last[:-1]
            lines[-1] = f"{last.rstrip()} …"
        self.canvas.setFillColor(color)
        self.canvas.setFont(font, size)
        for line in lines:
            self.y -= leading
            self.canvas.drawString(self.x + indent, self.y + (leading - size) * 0.6, line)

    def fitted(self, text: str, font: str, size: float, *, smallest: float, color=INK) -> None:
        self.text(text, font, _fitting_size(text, font, size, self.width, smallest), color=color)

    def pair(
        self,
        label: str,
        value: str,
        label_size: float,
        value_font: str,
        value_size: float,
        label_width: float | None = None,
    ) -> None:
        """A label, then its value on the same line (from `label_width` on), shrunk to fit."""
        f = fonts()
        if label_width is None:
            label_width = pdfmetrics.stringWidth(f"{label} ", f.regular, label_size)
        room = self.width - label_width
        value_size = _fitting_size(value, value_font, value_size, room, value_size * 0.55)
        leading = max(label_size, value_size) * 1.3
        self.y -= leading
        baseline = self.y + (leading - max(label_size, value_size)) * 0.6
        self.canvas.setFillColor(MUTED)
        self.canvas.setFont(f.regular, label_size)
        self.canvas.drawString(self.x, baseline, label)
        self.canvas.setFillColor(INK)
        self.canvas.setFont(value_font, value_size)
        self.canvas.drawString(self.x + label_width, baseline, value)


Box = tuple[float, float, float, float]  # x, y (bottom), width, height


def _draw_letter(
    canvas: Canvas, letter: Letter, box: Box, establishment: str, site_url: str, scale: float
) -> None:
    """A full letter in `box` (x, y, width, height), at `scale` (1 for a whole page)."""
    f = fonts()
    x, y, width, height = box
    margin = (20 if scale >= 1 else 12) * mm
    cursor = _Cursor(canvas, x + margin, y + height - margin, width - 2 * margin)

    def s(size: float) -> float:
        return size * scale

    cursor.fitted(establishment, f.bold, s(13), smallest=s(9), color=ACCENT)
    cursor.text(_("Espace numérique de travail Lien"), f.regular, s(9), color=MUTED)
    cursor.gap(s(16))
    cursor.text(_("Activation de votre compte Lien"), f.bold, s(18))
    cursor.gap(s(6))
    cursor.fitted(letter.full_name, f.bold, s(14), smallest=s(9))
    cursor.text(_role_line(letter), f.regular, s(11), max_lines=3)
    cursor.gap(s(10))
    intro = _(
        "Votre compte sur l'espace numérique de travail de l'établissement est prêt. "
        "Pour l'activer, connectez-vous une première fois avec l'identifiant et le code "
        "ci-dessous."
    )
    if letter.children:
        intro += " " + _("Ce compte est le vôtre : il est distinct de celui de votre enfant.")
    cursor.text(intro, f.regular, s(11))
    cursor.gap(s(12))

    # The box holding what is typed on the login page.
    padding = s(10)
    box_top = cursor.y
    inner = _Cursor(canvas, cursor.x + padding, box_top - padding, cursor.width - 2 * padding)
    rows_height = s(15) + s(18) + s(28) + s(15) + 2 * padding
    canvas.setFillColor(WASH)
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.8)
    canvas.roundRect(
        cursor.x, box_top - rows_height, cursor.width, rows_height, s(6), stroke=1, fill=1
    )
    labels = [
        _("Adresse du site :"),
        _("Identifiant :"),
        _("Code d'activation :"),
        _("Valable jusqu'au :"),
    ]
    column = max(pdfmetrics.stringWidth(label, f.regular, s(11)) for label in labels) + s(8)
    inner.pair(labels[0], site_url, s(11), f.bold, s(11), column)
    inner.gap(s(1))
    inner.pair(labels[1], letter.username, s(11), f.mono, s(13), column)
    inner.gap(s(2))
    inner.pair(labels[2], letter.code, s(11), f.mono, s(20), column)
    inner.gap(s(1))
    inner.pair(labels[3], _expiry(letter), s(11), f.regular, s(11), column)
    cursor.y = box_top - rows_height
    cursor.gap(s(14))

    cursor.text(_("Comment faire ?"), f.bold, s(12))
    cursor.gap(s(2))
    steps = [
        _(
            "Ouvrez l'adresse du site dans un navigateur (ordinateur, tablette ou téléphone) "
            "et choisissez « Connexion »."
        ),
        _(
            "Saisissez votre identifiant puis, à la place du mot de passe, le code "
            "d'activation (majuscules ou minuscules, avec ou sans tirets)."
        ),
        _(
            "Choisissez votre mot de passe personnel (10 caractères au moins). Ensuite, "
            "connectez-vous toujours avec votre identifiant et ce mot de passe."
        ),
    ]
    number_width = s(16)
    for number, step in enumerate(steps, start=1):
        # The number first, on the baseline of the step's first line: text is read in order.
        leading = s(11) * 1.3
        canvas.setFillColor(ACCENT)
        canvas.setFont(f.bold, s(11))
        canvas.drawString(cursor.x, cursor.y - leading + (leading - s(11)) * 0.6, f"{number}.")
        cursor.text(step, f.regular, s(11), leading=leading, indent=number_width)
        cursor.gap(s(3))
    cursor.gap(s(8))
    notes = _(
        "Ce code ne sert qu'une seule fois et n'est plus valable après le %(date)s. Gardez "
        "cette lettre pour vous : elle donne accès à votre compte. Code expiré ou lettre "
        "perdue ? Demandez une nouvelle lettre au secrétariat de l'établissement ; elle "
        "remplacera celle-ci."
    ) % {"date": _expiry(letter)}
    cursor.text(notes, f.regular, s(9.5), color=MUTED)


def _draw_slip(canvas: Canvas, letter: Letter, box: Box, establishment: str, site_url: str) -> None:
    """A compact slip to cut out, eight to a page."""
    f = fonts()
    x, y, width, height = box
    padding = 8 * mm
    cursor = _Cursor(canvas, x + padding, y + height - padding + 2, width - 2 * padding)
    size = _fitting_size(establishment, f.bold, 8, cursor.width, 6.5)
    cursor.text(establishment, f.bold, size, color=ACCENT, max_lines=1)
    cursor.gap(1)
    cursor.fitted(letter.full_name, f.bold, 12.5, smallest=8)
    cursor.text(_role_line(letter, class_first=True), f.regular, 9, max_lines=2)
    cursor.gap(4)
    labels = [_("Site :"), _("Identifiant :"), _("Code :")]
    column = max(pdfmetrics.stringWidth(label, f.regular, 9) for label in labels) + 5
    cursor.pair(labels[0], site_url, 9, f.bold, 9, column)
    cursor.pair(labels[1], letter.username, 9, f.mono, 11, column)
    cursor.pair(labels[2], letter.code, 9, f.mono, 15, column)
    cursor.text(
        _("Valable jusqu'au %(date)s, une seule fois.") % {"date": _expiry(letter)},
        f.regular,
        8,
        color=MUTED,
    )
    cursor.gap(3)
    cursor.text(
        _(
            "Première connexion : saisissez l'identifiant et, à la place du mot de passe, "
            "le code. Choisissez ensuite votre mot de passe."
        ),
        f.regular,
        8,
        max_lines=3,
    )


def _slots(per_page: int) -> list[Box]:
    """The boxes of one page, in reading order."""
    if per_page == 1:
        return [(0, 0, PAGE_WIDTH, PAGE_HEIGHT)]
    if per_page == 2:
        half = PAGE_HEIGHT / 2
        return [(0, half, PAGE_WIDTH, half), (0, 0, PAGE_WIDTH, half)]
    width, height = PAGE_WIDTH / 2, PAGE_HEIGHT / 4
    return [
        (column * width, PAGE_HEIGHT - (row + 1) * height, width, height)
        for row in range(4)
        for column in range(2)
    ]


def _draw_cut_lines(canvas: Canvas, per_page: int) -> None:
    if per_page == 1:
        return
    canvas.saveState()
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.5)
    canvas.setDash(4, 3)
    if per_page == 2:
        canvas.line(0, PAGE_HEIGHT / 2, PAGE_WIDTH, PAGE_HEIGHT / 2)
    else:
        canvas.line(PAGE_WIDTH / 2, 0, PAGE_WIDTH / 2, PAGE_HEIGHT)
        for row in range(1, 4):
            canvas.line(0, row * PAGE_HEIGHT / 4, PAGE_WIDTH, row * PAGE_HEIGHT / 4)
    canvas.restoreState()


def build_letters_pdf(
    letters: list[Letter], *, establishment_name: str, site_url: str, per_page: int, title: str
) -> bytes:
    """The letters, `per_page` (1, 2 or 8) to an A4 page, in French whatever the UI language.

    `title` goes into the document's properties, after « Lettres d'activation ».
    """
    if per_page not in LETTERS_PER_PAGE:
        raise ValueError(f"per_page must be one of {LETTERS_PER_PAGE}")
    site_url = site_url.rstrip("/")
    slots = _slots(per_page)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setCreator("Lien")
    with translation.override(settings.LANGUAGE_CODE):
        canvas.setTitle(_("Lettres d'activation – %(title)s") % {"title": title})
        for index, letter in enumerate(letters):
            slot = index % per_page
            if index and slot == 0:
                canvas.showPage()
            if slot == 0:
                _draw_cut_lines(canvas, per_page)
            if per_page == 8:
                _draw_slip(canvas, letter, slots[slot], establishment_name, site_url)
            else:
                scale = 1 if per_page == 1 else 0.8
                _draw_letter(canvas, letter, slots[slot], establishment_name, site_url, scale)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
