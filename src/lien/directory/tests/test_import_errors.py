"""import_directory refuses files with any problem as a whole: every problem, no write."""

import pytest

from lien.directory.importing import ImportKind, UnreadableFile, decode_csv
from lien.directory.tests.fixtures import example_text, import_examples, replace_line, row_counts
from lien.tests.factories import EstablishmentFactory, SchoolYearFactory

NOT_CSV = (
    "Ce fichier n'est pas un fichier CSV lisible : dans votre tableur, enregistrez le tableau au "
    "format « CSV » (UTF-8 ou Windows), avec le point-virgule ou la virgule comme séparateur."
)
STUDENTS = ImportKind.STUDENTS
PARENTS = ImportKind.PARENTS
TEACHERS = ImportKind.TEACHERS


@pytest.fixture
def school(db):
    establishment = EstablishmentFactory()
    SchoolYearFactory(establishment=establishment)
    return establishment


def refused(school, kinds, year_name="2026-2027", **texts) -> list[str]:
    """Import, check that nothing was written, and return the problems as displayed."""
    before = row_counts()
    outcome = import_examples(school, year_name, kinds=kinds, **texts)
    assert row_counts() == before
    assert outcome.report == {}
    return [str(problem) for problem in outcome.problems]


def students_with(old: str, new: str) -> str:
    return replace_line(example_text(STUDENTS), old, new)


def test_a_bad_birth_date_is_refused_with_its_line(school):
    text = students_with("ELV2001;Lemaire;Zoé;14/03/2011", "ELV2001;Lemaire;Zoé;31/02/2010")

    assert refused(school, [STUDENTS], students=text) == [
        "Ligne 2 : la date de naissance « 31/02/2010 » n'est pas une date valide."
    ]


def test_an_unknown_column_and_a_missing_one_are_refused(school):
    text = students_with(
        "identifiant;nom;prenom;date_naissance;classe;groupes;email",
        "identifiant;nom;prenom;date_naissance;age;groupes;email",
    )

    assert refused(school, [STUDENTS], students=text) == [
        "Ligne 1 : la colonne « age » est inconnue. Colonnes possibles : identifiant, nom, "
        "prenom, classe, date_naissance, groupes, email.",
        "Ligne 1 : la colonne obligatoire « classe » manque.",
    ]


def test_a_column_given_twice_is_refused(school):
    text = students_with("groupes;email", "groupes;Groupes")

    assert refused(school, [STUDENTS], students=text) == [
        "Ligne 1 : la colonne « groupes » figure deux fois."
    ]


def test_an_unknown_pupil_in_the_parents_file_is_refused(school):
    parents = replace_line(example_text(PARENTS), "ELV2002;oui", "ELV9999;oui")

    assert refused(school, [STUDENTS, PARENTS], parents=parents) == [
        "Ligne 6 : aucun élève n'a l'identifiant « ELV9999 »."
    ]


def test_parents_may_name_pupils_already_in_the_establishment(school):
    import_examples(school, kinds=[STUDENTS])

    outcome = import_examples(school, kinds=[PARENTS])

    assert outcome.problems == []
    assert outcome.report["parent"]["links_created"] == 13


def test_a_duplicate_identifier_is_refused(school):
    text = students_with("ELV2005;Noël;Gaël", "ELV2001;Noël;Gaël")

    assert refused(school, [STUDENTS], students=text) == [
        "Ligne 6 : l'identifiant « ELV2001 » figure déjà à la ligne 2."
    ]


def test_empty_required_values_bad_emails_and_extra_values_are_refused(school):
    text = students_with("ELV2006;Diallo;Aya;30/09/2010;2nde B", "ELV2006;;Aya;30/09/2010;")
    text = replace_line(text, ";maelys.fontaine@example.org", ";maelys@@example")
    text = replace_line(
        text,
        "ELV2007;Roussel;Léo;18/05/2011;2nde B;LV2 Allemand;",
        "ELV2007;Roussel;Léo;18/05/2011;2nde B;LV2 Allemand;x;y",
    )

    # The shifted row's values are not checked (its "x" is no e-mail), but its pupil is known
    # to the parents' file.
    assert refused(school, [STUDENTS, PARENTS], students=text) == [
        "Ligne 5 : l'adresse e-mail « maelys@@example » n'est pas valide.",
        "Ligne 7 : la colonne « nom » doit être remplie.",
        "Ligne 7 : la colonne « classe » doit être remplie.",
        "Ligne 8 : 8 valeurs pour 7 colonnes : vérifiez le séparateur (« ; » ou « , ») et les "
        "guillemets.",
    ]


def test_parents_lines_must_agree_and_hold_valid_values(school):
    parents = example_text(PARENTS)
    parents = replace_line(
        parents,
        "RSP3002;Lemaire;François;francois.lemaire@example.org;06 98 76 54 32;ELV2003",
        "RSP3002;Lemaire;Francis;francois.lemaire@example.org;06 98 76 54 32;ELV2003",
    )
    parents = replace_line(parents, "ELV2002;oui", "ELV2002;peut-être")
    parents = replace_line(parents, "06 55 44 33 22", "appelez-moi")
    parents += "RSP3001;Lemaire;Hélène;;;ELV2001;oui\n"

    assert refused(school, [STUDENTS, PARENTS], parents=parents) == [
        "Ligne 5 : l'identifiant « RSP3002 » figure aussi à la ligne 4 avec d'autres nom, "
        "prénom ou coordonnées.",
        "Ligne 6 : « peut-être » n'est pas une valeur possible de la colonne responsable_legal "
        "(oui ou non).",
        "Ligne 9 : le numéro de téléphone « appelez-moi » n'est pas valide.",
        "Ligne 15 : le lien entre « RSP3001 » et l'élève « ELV2001 » figure déjà à la ligne 2.",
    ]


def test_teachers_must_name_existing_classes_and_groups_and_one_main_teacher_per_class(school):
    teachers = replace_line(
        example_text(TEACHERS), "2nde A|2nde B;;2nde B", "2nde A|2nde Z;;2nde A"
    )
    teachers = replace_line(teachers, ";;LV2 Espagnol;", ";;LV3 Chinois;3e C")
    teachers += "ENS4005;Petit;Jean;;;2nde A;;\n"

    assert refused(school, [STUDENTS, TEACHERS], teachers=teachers) == [
        "Ligne 3 : la classe « 2nde A » a déjà un professeur principal, ligne 2.",
        "Ligne 3 : la classe « 2nde Z » n'existe pas en 2026-2027.",
        "Ligne 4 : le groupe « LV3 Chinois » n'existe pas en 2026-2027.",
        "Ligne 4 : la classe « 3e C » (professeur principal) n'existe pas en 2026-2027.",
        "Ligne 8 : la colonne « matiere » doit être remplie quand des classes ou des groupes "
        "sont indiqués.",
    ]


def test_a_teachers_file_alone_needs_the_classes_of_the_year(school):
    assert refused(school, [TEACHERS])[:2] == [
        "Ligne 2 : la classe « 2nde A » n'existe pas en 2026-2027.",
        "Ligne 2 : la classe « 2nde B » n'existe pas en 2026-2027.",
    ]


def test_one_bad_file_refuses_the_others_too(school):
    teachers = replace_line(example_text(TEACHERS), "thi.nguyen@example.org", "thi.nguyen")

    assert refused(school, list(ImportKind), teachers=teachers) == [
        "Ligne 4 : l'adresse e-mail « thi.nguyen » n'est pas valide."
    ]


def test_a_refused_import_for_the_next_year_does_not_create_it(school):
    text = students_with("Zoé;14/03/2011", "Zoé;14/13/2011")

    assert refused(school, [STUDENTS], "2027-2028", students=text) == [
        "Ligne 2 : la date de naissance « 14/13/2011 » n'est pas une date valide."
    ]
    assert list(school.school_years.values_list("name", flat=True)) == ["2026-2027"]


def test_an_unknown_year_is_refused(school):
    assert refused(school, [STUDENTS], "2030-2031") == [
        "L'année scolaire « 2030-2031 » n'est pas possible ici ; années possibles : 2027-2028, "
        "2026-2027."
    ]


def test_an_empty_file_or_a_header_alone_is_refused(school):
    assert refused(school, [STUDENTS], students="") == [
        "Le fichier est vide ou sa première ligne (l'en-tête) est vide."
    ]
    header = "identifiant;nom;prenom;date_naissance;classe;groupes;email\n;;;;;;\n"
    assert refused(school, [STUDENTS], students=header) == [
        "Le fichier ne contient aucune ligne sous l'en-tête."
    ]


def test_blank_rows_are_skipped_but_still_counted_as_lines(school):
    text = students_with(
        "ELV2003;Lemaire;Théo;14/03/2011", ";;;;;;\n\nELV2003;Lemaire;Théo;14/30/2011"
    )

    assert refused(school, [STUDENTS], students=text) == [
        "Ligne 6 : la date de naissance « 14/30/2011 » n'est pas une date valide."
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00",  # an .xlsx (zip) file
        "identifiant;nom".encode("utf-16"),  # "Unicode text" from a spreadsheet
        b"%PDF-1.7\n\x81\x8d\x90",
        b"identifiant;nom\x1b[0m;prenom",
    ],
)
def test_anything_but_csv_text_is_refused(data):
    with pytest.raises(UnreadableFile) as refusal:
        decode_csv(data)

    assert refusal.value.message == NOT_CSV


@pytest.mark.parametrize("data", [b"", b" \r\n\r\n", b"\xef\xbb\xbf"])
def test_an_empty_upload_is_refused(data):
    with pytest.raises(UnreadableFile) as refusal:
        decode_csv(data)

    assert refusal.value.message == "Le fichier est vide."
