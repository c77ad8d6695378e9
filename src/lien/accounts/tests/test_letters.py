"""Activation letters (lien.accounts.letters): who gets one, the PDF, and its speed."""

import io
import math
import re
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from lien.accounts import letters
from lien.accounts.activation import find_code
from lien.accounts.letters import Audience
from lien.accounts.models import ActivationCode, User
from lien.core.models import Enrolment, ParentLink, Profile, SchoolClass

CODE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def make_class(school, name: str, pupils: int, parents_each: int) -> SchoolClass:
    """A class of `pupils` pupils with `parents_each` parents each, none activated yet."""
    school_class = SchoolClass.objects.create(
        establishment=school.establishment, school_year=school.year, name=name
    )
    unusable = make_password(None)
    slug = name.replace(" ", "").lower()
    users = User.objects.bulk_create(
        User(
            username=f"{slug}.{kind}{n:03d}",
            first_name=f"Prénom{n:03d}",
            last_name=f"{kind.capitalize()}{n:03d}",
            password=unusable,
        )
        for kind, count in (("eleve", pupils), ("parent", pupils * parents_each))
        for n in range(count)
    )
    profiles = Profile.objects.bulk_create(
        Profile(
            user=user,
            role=Profile.Role.STUDENT if ".eleve" in user.username else Profile.Role.PARENT,
            establishment=school.establishment,
        )
        for user in users
    )
    students, parents = profiles[:pupils], profiles[pupils:]
    Enrolment.objects.bulk_create(
        Enrolment(student=student, school_class=school_class, school_year=school.year)
        for student in students
    )
    ParentLink.objects.bulk_create(
        ParentLink(parent=parent, student=students[index // parents_each])
        for index, parent in enumerate(parents)
    )
    return school_class


@pytest.fixture
def names(cast):
    """Known names for class 2nde A of school a: pupils Alice Bernard and Chloé Dubois."""
    school = cast.a
    for profile, first, last in [
        (school.student, "Alice", "Bernard"),
        (school.classmate, "Chloé", "Dubois"),
        (school.parent, "Paul", "Bernard"),
        (school.classmate_parent, "Nadia", "Dubois"),
        (school.sibling, "Hugo", "Bernard"),
    ]:
        User.objects.filter(pk=profile.user_id).update(first_name=first, last_name=last)
    return school


def usernames(recipients):
    return [(r.user.username, r.children) for r in recipients]


def test_pupils_come_by_name_each_followed_by_their_parents(names):
    recipients = letters.letter_recipients(names.class_a, Audience.BOTH, False)
    assert usernames(recipients) == [
        ("a.eleve", ()),
        ("a.parent", ("Alice Bernard",)),
        ("a.camarade", ()),
        ("a.parent2", ("Chloé Dubois",)),
    ]


def test_pupils_only_and_parents_only(names):
    assert usernames(letters.letter_recipients(names.class_a, Audience.STUDENTS, False)) == [
        ("a.eleve", ()),
        ("a.camarade", ()),
    ]
    assert usernames(letters.letter_recipients(names.class_a, Audience.PARENTS, False)) == [
        ("a.parent", ("Alice Bernard",)),
        ("a.parent2", ("Chloé Dubois",)),
    ]


def test_a_parent_of_two_pupils_of_the_class_gets_one_letter_naming_both(names):
    Enrolment.objects.filter(student=names.sibling).update(school_class=names.class_a)
    recipients = letters.letter_recipients(names.class_a, Audience.PARENTS, False)
    assert usernames(recipients) == [
        ("a.parent", ("Alice Bernard", "Hugo Bernard")),
        ("a.parent2", ("Chloé Dubois",)),
    ]


def test_only_accounts_not_activated_yet(names):
    User.objects.filter(username__in=["a.camarade", "a.parent"]).update(activated_at=None)
    recipients = letters.letter_recipients(names.class_a, Audience.BOTH, True)
    assert usernames(recipients) == [("a.parent", ("Alice Bernard",)), ("a.camarade", ())]


def test_deactivated_accounts_get_no_letter(names):
    User.objects.filter(username="a.eleve").update(is_active=False)
    recipients = letters.letter_recipients(names.class_a, Audience.STUDENTS, False)
    assert usernames(recipients) == [("a.camarade", ())]


def test_printing_issues_one_code_per_letter_and_prints_it(names):
    printed = letters.do_print_letters(names.class_a, Audience.BOTH, False, per_page=1)
    pages = pdf_pages(printed.content)
    assert printed.count == 4
    assert len(pages) == 4
    title = PdfReader(io.BytesIO(printed.content)).metadata.title
    assert title == f"Lettres d'activation – 2nde A – {names.establishment.name}"
    assert ActivationCode.objects.filter(revoked_at__isnull=True).count() == 4
    for page, (username, full_name) in zip(
        pages,
        [
            ("a.eleve", "Alice Bernard"),
            ("a.parent", "Paul Bernard"),
            ("a.camarade", "Chloé Dubois"),
            ("a.parent2", "Nadia Dubois"),
        ],
        strict=True,
    ):
        user = User.objects.get(username=username)
        [code] = CODE.findall(page)
        assert find_code(user, code) == ActivationCode.objects.get(user=user)
        assert f"Identifiant :\n{username}\n" in page
        assert f"\n{full_name}\n" in page
        assert names.establishment.name in page
        assert "http://127.0.0.1:8000" in page


def test_a_letter_says_whose_parent_and_which_class(names):
    printed = letters.do_print_letters(names.class_a, Audience.PARENTS, False, per_page=1)
    first, second = pdf_pages(printed.content)
    assert "Responsable de Alice Bernard, 2nde A" in first
    assert "Responsable de Chloé Dubois, 2nde A" in second


def test_a_letter_gives_the_site_address_and_the_expiry_date(names, settings):
    settings.SITE_URL = "https://ent.lycee-exemple.fr/"
    printed = letters.do_print_letters(names.class_a, Audience.STUDENTS, False, per_page=1)
    page = pdf_pages(printed.content)[0]
    expires_at = ActivationCode.objects.get(user__username="a.eleve").expires_at
    assert "https://ent.lycee-exemple.fr\n" in page
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
    months += ["septembre", "octobre", "novembre", "décembre"]
    local = timezone.localtime(expires_at)
    assert f"{local.day} {months[local.month - 1]} {local.year}" in page


def test_nothing_to_print_changes_nothing(names):
    assert letters.do_print_letters(names.class_a, Audience.BOTH, True, per_page=1) is None
    assert ActivationCode.objects.count() == 0


@pytest.mark.parametrize("per_page", [1, 2, 8])
def test_pages_hold_one_two_or_eight_letters(cast, per_page):
    school_class = make_class(cast.a, "1re STMG 2", pupils=7, parents_each=2)
    printed = letters.do_print_letters(school_class, Audience.BOTH, False, per_page=per_page)
    pages = pdf_pages(printed.content)
    assert printed.count == 21
    assert len(pages) == math.ceil(21 / per_page)
    assert sum(len(CODE.findall(page)) for page in pages) == 21
    assert [len(CODE.findall(page)) for page in pages][0] == per_page


def test_slips_give_name_class_username_code_and_address(names):
    printed = letters.do_print_letters(names.class_a, Audience.BOTH, False, per_page=8)
    [page] = pdf_pages(printed.content)
    for username in ("a.eleve", "a.parent", "a.camarade", "a.parent2"):
        assert f"\n{username}\n" in page
    assert "Alice Bernard\nÉlève de 2nde A\n" in page
    assert "Paul Bernard\n2nde A – responsable de Alice Bernard\n" in page
    assert page.count("http://127.0.0.1:8000") == 4
    assert len(CODE.findall(page)) == 4


def test_the_pdf_falls_back_to_the_base_fonts_without_dejavu(names, monkeypatch, tmp_path):
    monkeypatch.setattr(letters, "FONT_DIR", tmp_path)
    letters.fonts.cache_clear()
    try:
        printed = letters.do_print_letters(names.class_a, Audience.BOTH, False, per_page=2)
    finally:
        letters.fonts.cache_clear()
    reader = PdfReader(io.BytesIO(printed.content))
    fonts = {str(font["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts == {"/Helvetica", "/Helvetica-Bold", "/Courier-Bold"}
    assert "Responsable de Alice Bernard, 2nde A" in reader.pages[0].extract_text()


def test_a_whole_class_prints_well_within_a_second(cast):
    """35 pupils and 70 parents: cheap codes (no slow password hash) and a constant query count."""
    small = make_class(cast.a, "3e A", pupils=1, parents_each=2)
    big = make_class(cast.a, "3e B", pupils=35, parents_each=2)
    letters.fonts()  # the fonts are loaded once per process, not per print
    with CaptureQueriesContext(connection) as small_queries:
        letters.do_print_letters(small, Audience.BOTH, False, per_page=8)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as big_queries:
        printed = letters.do_print_letters(big, Audience.BOTH, False, per_page=8)
    elapsed = time.perf_counter() - started
    assert printed.count == 105
    assert len(pdf_pages(printed.content)) == 14
    assert len(big_queries) == len(small_queries)
    assert elapsed < 1.0
