"""import_directory: good files are written, again and again without changes, year after year."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lien.accounts.models import User
from lien.core.models import Enrolment, ParentLink, Profile, SchoolClass, TeachingAssignment
from lien.directory.importing import ImportKind, applying, decode_csv, import_directory
from lien.directory.tests.fixtures import (
    csv_file,
    example_text,
    import_examples,
    replace_line,
    row_counts,
)
from lien.tests.factories import EstablishmentFactory, SchoolYearFactory, UserFactory

Role = Profile.Role

FIRST_REPORT = {
    "year": "2026-2027",
    "year_created": False,
    "student": {
        "created": 10,
        "updated": 0,
        "unchanged": 0,
        "enrolled": 10,
        "moved": 0,
        "removed": 0,
        "classes_created": 2,
        "groups_created": 3,
        "memberships_added": 13,
        "memberships_removed": 0,
    },
    "parent": {
        "created": 11,
        "updated": 0,
        "unchanged": 0,
        "links_created": 13,
        "links_updated": 0,
        "links_removed": 0,
    },
    "teacher": {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "subjects_created": 5,
        "teachings_created": 9,
        "teachings_removed": 0,
        "main_teachers_changed": 2,
    },
}


@pytest.fixture
def school(db):
    establishment = EstablishmentFactory(uai="0459990X", name="Lycée Jean Zay")
    SchoolYearFactory(establishment=establishment)  # 2026-2027, current
    return establishment


def profile(school, role, external_id) -> Profile:
    return Profile.objects.select_related("user").get(
        establishment=school, role=role, external_id=external_id
    )


def enrolment_of(school, external_id, year_name="2026-2027") -> str:
    return Enrolment.objects.get(
        student=profile(school, Role.STUDENT, external_id), school_year__name=year_name
    ).school_class.name


def groups_of(school, external_id, year_name="2026-2027") -> list[str]:
    student = profile(school, Role.STUDENT, external_id)
    return sorted(
        student.student_groups.filter(school_year__name=year_name).values_list("name", flat=True)
    )


def teachings_of(school, external_id) -> list[tuple[str, str]]:
    teacher = profile(school, Role.TEACHER, external_id)
    return sorted(
        (t.subject.name, (t.school_class or t.group).name)
        for t in TeachingAssignment.objects.filter(teacher=teacher).select_related(
            "subject", "school_class", "group"
        )
    )


def test_it_imports_the_example_files(school):
    outcome = import_examples(school)

    assert outcome.problems == []
    assert outcome.report == FIRST_REPORT
    assert outcome.rows == 10 + 13 + 6
    zoe = profile(school, Role.STUDENT, "ELV2001")
    assert (zoe.user.username, zoe.user.first_name, zoe.user.last_name) == (
        "zoe.lemaire",
        "Zoé",
        "Lemaire",
    )
    assert zoe.birth_date == date(2011, 3, 14)
    assert not zoe.user.has_usable_password()
    assert zoe.user.activated_at is None
    assert enrolment_of(school, "ELV2001") == "2nde A"
    assert enrolment_of(school, "ELV2010") == "2nde B"
    assert groups_of(school, "ELV2002") == ["LV2 Allemand", "Section européenne"]
    assert profile(school, Role.STUDENT, "ELV2004").user.email == "maelys.fontaine@example.org"


def test_it_links_parents_to_their_children_with_their_phone(school):
    import_examples(school)

    helene = profile(school, Role.PARENT, "RSP3001")
    assert helene.user.email == "helene.lemaire@example.org"
    assert helene.contact.phone == "06 12 34 56 78"
    assert sorted(
        (link.student.external_id, link.is_legal_guardian)
        for link in ParentLink.objects.filter(parent=helene).select_related("student")
    ) == [("ELV2001", True), ("ELV2003", True)]
    elodie = profile(school, Role.PARENT, "RSP3009")
    assert ParentLink.objects.get(parent=elodie).is_legal_guardian is False
    assert not hasattr(elodie, "contact")  # no phone given


def test_it_assigns_teachers_their_subjects_classes_groups_and_main_classes(school):
    import_examples(school)

    assert teachings_of(school, "ENS4003") == [("Anglais", "2nde A"), ("Espagnol", "LV2 Espagnol")]
    assert teachings_of(school, "ENS4004") == [
        ("Allemand", "LV2 Allemand"),
        ("Anglais", "2nde B"),
        ("Anglais", "Section européenne"),
    ]
    classes = SchoolClass.objects.filter(establishment=school).order_by("name")
    assert [(c.name, c.main_teacher.external_id) for c in classes] == [
        ("2nde A", "ENS4001"),
        ("2nde B", "ENS4002"),
    ]
    # The e-mail given on the teacher's first line only is kept.
    assert profile(school, Role.TEACHER, "ENS4003").user.email == "thi.nguyen@example.org"


def test_it_reads_windows_1252_with_commas_like_utf8_with_semicolons(school):
    files = [
        csv_file(kind, decode_csv(example_text(kind).replace(";", ",").encode("cp1252")))
        for kind in ImportKind
    ]

    outcome = import_directory(school, files, "2026-2027")

    assert outcome.report == FIRST_REPORT
    assert profile(school, Role.STUDENT, "ELV2004").user.first_name == "Maëlys"
    assert profile(school, Role.PARENT, "RSP3009").user.first_name == "Élodie"


def test_it_reads_utf8_with_a_byte_order_mark(school):
    data = b"\xef\xbb\xbf" + example_text(ImportKind.STUDENTS).encode("utf-8")

    outcome = import_directory(
        school, [csv_file(ImportKind.STUDENTS, decode_csv(data))], "2026-2027"
    )

    assert outcome.report["student"]["created"] == 10


def test_it_matches_headers_ignoring_case_accents_and_spaces(school):
    text = replace_line(
        example_text(ImportKind.STUDENTS),
        "identifiant;nom;prenom;date_naissance;classe;groupes;email",
        "Identifiant;NOM;Prénom;Date de naissance;Classe;Groupes;E-mail",
    )

    outcome = import_examples(school, kinds=[ImportKind.STUDENTS], students=text)

    assert outcome.problems == []
    assert profile(school, Role.STUDENT, "ELV2001").birth_date == date(2011, 3, 14)


def test_reimporting_the_same_files_writes_nothing(school):
    import_examples(school)
    before = row_counts()

    with CaptureQueriesContext(connection) as queries:
        outcome = import_examples(school)

    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert row_counts() == before
    assert outcome.report == {
        "year": "2026-2027",
        "year_created": False,
        "student": {**dict.fromkeys(FIRST_REPORT["student"], 0), "unchanged": 10},
        "parent": {**dict.fromkeys(FIRST_REPORT["parent"], 0), "unchanged": 11},
        "teacher": {**dict.fromkeys(FIRST_REPORT["teacher"], 0), "unchanged": 4},
    }


def test_new_accounts_get_a_free_username(school):
    UserFactory(username="zoe.lemaire")
    UserFactory(username="Theo.Lemaire")  # logins ignore case

    import_examples(school, kinds=[ImportKind.STUDENTS])

    assert profile(school, Role.STUDENT, "ELV2001").user.username == "zoe.lemaire2"
    assert profile(school, Role.STUDENT, "ELV2003").user.username == "theo.lemaire2"


def test_changed_names_and_emails_are_updated_and_empty_values_erase_nothing(school):
    import_examples(school)
    students = replace_line(
        example_text(ImportKind.STUDENTS),
        "ELV2004;Fontaine;Maëlys;27/06/2011;",
        "ELV2004;Fontaine-Roy;Maëlys;;",
    )
    students = replace_line(students, "maelys.fontaine@example.org", "")
    parents = replace_line(
        example_text(ImportKind.PARENTS),
        "RSP3004;Fontaine;Cécile;cecile.fontaine@example.org;;",
        "RSP3004;Fontaine;Cécile;cecile.roy@example.org;06 00 00 00 01;",
    )

    outcome = import_examples(school, students=students, parents=parents)

    assert outcome.report["student"]["updated"] == 1
    assert outcome.report["student"]["unchanged"] == 9
    assert outcome.report["parent"]["updated"] == 1
    maelys = profile(school, Role.STUDENT, "ELV2004")
    assert maelys.user.last_name == "Fontaine-Roy"
    assert maelys.user.email == "maelys.fontaine@example.org"  # an empty cell erases nothing
    assert maelys.birth_date == date(2011, 6, 27)
    cecile = profile(school, Role.PARENT, "RSP3004")
    assert (cecile.user.email, cecile.contact.phone) == ("cecile.roy@example.org", "06 00 00 00 01")


def test_a_pupil_changing_class_moves_and_one_missing_from_the_file_leaves(school):
    import_examples(school)
    text = replace_line(
        example_text(ImportKind.STUDENTS),
        "ELV2003;Lemaire;Théo;14/03/2011;2nde A",
        "ELV2003;Lemaire;Théo;14/03/2011;2nde B",
    )
    text = replace_line(text, "ELV2010;Perrin;Nathan;11/02/2011;2nde B;LV2 Allemand;\n", "")

    outcome = import_examples(school, kinds=[ImportKind.STUDENTS], students=text)

    report = outcome.report["student"]
    assert (report["moved"], report["removed"], report["unchanged"]) == (1, 1, 9)
    assert report["memberships_removed"] == 1
    assert enrolment_of(school, "ELV2003") == "2nde B"
    nathan = profile(school, Role.STUDENT, "ELV2010")
    assert not Enrolment.objects.filter(student=nathan).exists()
    assert groups_of(school, "ELV2010") == []
    assert nathan.user.is_active  # the account stays


def test_without_a_groups_column_memberships_stay(school):
    import_examples(school, kinds=[ImportKind.STUDENTS])
    lines = example_text(ImportKind.STUDENTS).splitlines()
    without_groups = "\n".join(";".join(line.split(";")[:5]) for line in lines) + "\n"

    outcome = import_examples(school, kinds=[ImportKind.STUDENTS], students=without_groups)

    assert outcome.report["student"]["memberships_removed"] == 0
    assert groups_of(school, "ELV2002") == ["LV2 Allemand", "Section européenne"]


def test_the_parents_file_gives_each_cited_pupil_exactly_its_parents(school):
    import_examples(school)
    text = replace_line(
        example_text(ImportKind.PARENTS),
        "RSP3002;Lemaire;François;francois.lemaire@example.org;06 98 76 54 32;ELV2003;oui\n",
        "",
    )
    text = replace_line(
        text, "elodie.mercier@example.org;;ELV2008;non", "elodie.mercier@example.org;;ELV2008;oui"
    )

    outcome = import_examples(school, kinds=[ImportKind.PARENTS], parents=text)

    report = outcome.report["parent"]
    assert (report["links_created"], report["links_updated"], report["links_removed"]) == (0, 1, 1)
    theo = profile(school, Role.STUDENT, "ELV2003")
    assert [link.parent.external_id for link in ParentLink.objects.filter(student=theo)] == [
        "RSP3001"
    ]


def test_an_empty_legal_guardian_cell_keeps_the_known_value(school):
    import_examples(school)
    text = replace_line(
        example_text(ImportKind.PARENTS),
        "elodie.mercier@example.org;;ELV2008;non",
        "elodie.mercier@example.org;;ELV2008;",
    )

    outcome = import_examples(school, kinds=[ImportKind.PARENTS], parents=text)

    assert outcome.report["parent"]["links_updated"] == 0
    elodie = profile(school, Role.PARENT, "RSP3009")
    assert ParentLink.objects.get(parent=elodie).is_legal_guardian is False


def test_the_teachers_file_describes_the_years_services_and_main_teachers(school):
    import_examples(school)
    text = replace_line(
        example_text(ImportKind.TEACHERS),
        "ENS4004;Schmitt;Paul;;Anglais;2nde B;Section européenne;\n",
        "",
    )
    text = replace_line(text, "Français;2nde A|2nde B;;2nde B", "Français;2nde A|2nde B;;")

    outcome = import_examples(school, kinds=[ImportKind.TEACHERS], teachers=text)

    report = outcome.report["teacher"]
    assert (report["teachings_removed"], report["main_teachers_changed"]) == (2, 1)
    assert teachings_of(school, "ENS4004") == [("Allemand", "LV2 Allemand")]
    assert SchoolClass.objects.get(establishment=school, name="2nde B").main_teacher is None


def test_subjects_are_matched_ignoring_case(school):
    school.subjects.create(name="mathématiques")

    outcome = import_examples(school)

    assert outcome.report["teacher"]["subjects_created"] == 4
    assert teachings_of(school, "ENS4001") == [
        ("mathématiques", "2nde A"),
        ("mathématiques", "2nde B"),
    ]


def test_next_years_file_enrols_pupils_for_that_year_and_keeps_this_years(school):
    import_examples(school)
    next_year = (
        example_text(ImportKind.STUDENTS).replace("2nde A", "1re A").replace("2nde B", "1re B")
    )
    next_year = replace_line(
        next_year, "ELV2010;Perrin;Nathan;11/02/2011;1re B;LV2 Allemand;\n", ""
    )
    next_year += "ELV2011;Martin;Lina;05/04/2011;1re A;;\n"

    outcome = import_examples(school, "2027-2028", kinds=[ImportKind.STUDENTS], students=next_year)

    assert outcome.report["year"] == "2027-2028"
    assert outcome.report["year_created"] is True
    report = outcome.report["student"]
    assert (report["created"], report["unchanged"], report["enrolled"], report["removed"]) == (
        1,
        9,
        10,
        0,
    )
    assert report["classes_created"] == 2
    year = school.school_years.get(name="2027-2028")
    assert (year.starts_on, year.ends_on, year.is_current) == (
        date(2027, 9, 1),
        date(2028, 7, 4),
        False,
    )
    assert school.current_school_year().name == "2026-2027"
    assert enrolment_of(school, "ELV2001", "2027-2028") == "1re A"
    assert enrolment_of(school, "ELV2001", "2026-2027") == "2nde A"  # last year's untouched
    assert enrolment_of(school, "ELV2010", "2026-2027") == "2nde B"
    assert not Enrolment.objects.filter(
        student=profile(school, Role.STUDENT, "ELV2010"), school_year=year
    ).exists()
    assert Enrolment.objects.filter(school_year__name="2026-2027").count() == 10


def test_progress_is_reported_in_rows_written(school):
    seen = []

    import_directory(school, [csv_file(kind) for kind in ImportKind], "2026-2027", seen.append)

    assert seen == [10, 23, 29]


def test_another_establishments_people_with_the_same_identifiers_are_not_touched(school):
    other = EstablishmentFactory()
    SchoolYearFactory(establishment=other)
    import_examples(other, kinds=[ImportKind.STUDENTS])
    others_zoe = profile(other, Role.STUDENT, "ELV2001")

    outcome = import_examples(school, kinds=[ImportKind.STUDENTS])

    assert outcome.report["student"]["created"] == 10
    assert profile(school, Role.STUDENT, "ELV2001").user != others_zoe.user
    assert enrolment_of(other, "ELV2001") == "2nde A"
    assert User.objects.filter(first_name="Zoé").count() == 2


# Dry runs and mass removals


def without_class_b(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if "2nde B" not in line)


def test_a_dry_run_reports_what_the_import_does_and_writes_nothing(school):
    before = row_counts()

    preview = import_directory(
        school, [csv_file(kind) for kind in ImportKind], "2027-2028", dry_run=True
    )

    assert row_counts() == before
    assert not school.school_years.filter(name="2027-2028").exists()
    real = import_directory(school, [csv_file(kind) for kind in ImportKind], "2027-2028")
    assert preview.report == real.report
    assert preview.report["year_created"] is True
    assert preview.rows == real.rows == 29


def test_removing_more_than_a_tenth_of_the_years_enrolments_is_refused(school):
    import_examples(school, kinds=[ImportKind.STUDENTS])
    before = row_counts()

    outcome = import_examples(
        school,
        kinds=[ImportKind.STUDENTS],
        students=without_class_b(example_text(ImportKind.STUDENTS)),
    )

    assert row_counts() == before
    assert outcome.mass_removal_refused is True
    assert outcome.report == {}
    assert [(p.kind, p.file_name, p.line) for p in outcome.problems] == [
        ("students", "eleves.csv", None)
    ]
    assert str(outcome.problems[0]).startswith(
        "Ce fichier supprimerait 5 inscriptions sur 10 de l'année 2026-2027 (plus de 10 %)"
    )
    assert (outcome.removals.count, outcome.removals.enrolled) == (5, 10)
    assert [s["external_id"] for s in outcome.removals.students] == [
        "ELV2006",
        "ELV2009",
        "ELV2008",
        "ELV2010",
        "ELV2007",
    ]


def test_a_mass_removal_goes_through_when_allowed(school):
    import_examples(school, kinds=[ImportKind.STUDENTS])

    outcome = import_directory(
        school,
        [csv_file(ImportKind.STUDENTS, without_class_b(example_text(ImportKind.STUDENTS)))],
        "2026-2027",
        allow_mass_removal=True,
    )

    assert outcome.ok
    assert outcome.report["student"]["removed"] == 5
    assert outcome.removals.as_dict() == {
        "count": 5,
        "enrolled": 10,
        "is_mass_removal": True,
        "students": [
            {"last_name": last, "first_name": first, "class_name": "2nde B", "external_id": id_}
            for last, first, id_ in [
                ("Diallo", "Aya", "ELV2006"),
                ("Garnier", "Chloé", "ELV2009"),
                ("Mercier", "Inès", "ELV2008"),
                ("Perrin", "Nathan", "ELV2010"),
                ("Roussel", "Léo", "ELV2007"),
            ]
        ],
    }
    assert Enrolment.objects.filter(school_year__name="2026-2027").count() == 5


def test_removing_exactly_a_tenth_is_no_mass_removal(school):
    import_examples(school, kinds=[ImportKind.STUDENTS])
    text = replace_line(
        example_text(ImportKind.STUDENTS),
        "ELV2010;Perrin;Nathan;11/02/2011;2nde B;LV2 Allemand;\n",
        "",
    )

    outcome = import_examples(school, kinds=[ImportKind.STUDENTS], students=text)

    assert outcome.ok
    assert outcome.removals.as_dict()["is_mass_removal"] is False
    assert (outcome.removals.count, outcome.removals.enrolled) == (1, 10)


def test_a_first_import_into_an_empty_year_removes_nobody(school):
    outcome = import_examples(school, kinds=[ImportKind.STUDENTS])

    assert outcome.removals.as_dict() == {
        "count": 0,
        "enrolled": 0,
        "is_mass_removal": False,
        "students": [],
    }


def test_only_the_first_removed_pupils_are_named(school, monkeypatch):
    monkeypatch.setattr(applying, "LISTED_REMOVALS", 2)
    import_examples(school, kinds=[ImportKind.STUDENTS])

    outcome = import_directory(
        school,
        [csv_file(ImportKind.STUDENTS, without_class_b(example_text(ImportKind.STUDENTS)))],
        "2026-2027",
        dry_run=True,
        allow_mass_removal=True,
    )

    assert outcome.removals.count == 5
    assert [s["last_name"] for s in outcome.removals.students] == ["Diallo", "Garnier"]


def test_an_import_refreshes_the_home_pages_of_the_school(school, client):
    import_examples(school)
    zoe = profile(school, Role.STUDENT, "ELV2001")
    client.force_login(ParentLink.objects.filter(student=zoe).first().parent.user)
    page = f"/accueil/?enfant={zoe.code}"
    assert "Classe de 2nde A" in client.get(page).content.decode()  # now cached
    moved = replace_line(
        example_text(ImportKind.STUDENTS),
        "ELV2001;Lemaire;Zoé;14/03/2011;2nde A;",
        "ELV2001;Lemaire;Zoé;14/03/2011;2nde B;",
    )
    import_examples(school, students=moved)
    assert "Classe de 2nde B" in client.get(page).content.decode()
