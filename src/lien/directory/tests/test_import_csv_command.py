"""The import_csv command: the same import, a progress bar, the report or the errors."""

from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from lien.core.models import Enrolment
from lien.directory.importing import ImportKind
from lien.directory.tests.fixtures import EXAMPLES, example_text, replace_line, row_counts
from lien.tests.factories import EstablishmentFactory, SchoolYearFactory

FIRST_RUN = """Import terminé : Lycée Jean Zay, année 2026-2027.
Élèves :
  comptes créés : 10
  comptes mis à jour : 0
  comptes inchangés : 0
  inscriptions dans une classe : 10
  changements de classe : 0
  départs (inscriptions de l'année retirées) : 0
  classes créées : 2
  groupes créés : 3
  ajouts dans un groupe : 13
  retraits d'un groupe : 0
Responsables :
  comptes créés : 11
  comptes mis à jour : 0
  comptes inchangés : 0
  liens avec un élève créés : 13
  liens modifiés (responsable légal ou non) : 0
  liens retirés : 0
Enseignants :
  comptes créés : 4
  comptes mis à jour : 0
  comptes inchangés : 0
  matières créées : 5
  services d'enseignement ajoutés : 9
  services d'enseignement retirés : 0
  professeurs principaux changés : 2
"""
EXAMPLE_OPTIONS = {
    "eleves": str(EXAMPLES / "eleves.csv"),
    "responsables": str(EXAMPLES / "responsables.csv"),
    "enseignants": str(EXAMPLES / "enseignants.csv"),
}


@pytest.fixture
def school(db):
    establishment = EstablishmentFactory(uai="0459990X", name="Lycée Jean Zay")
    SchoolYearFactory(establishment=establishment)
    return establishment


def run(**options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_csv", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_it_imports_the_files_and_prints_the_report_and_a_progress_bar(school):
    out, err = run(uai="0459990X", **EXAMPLE_OPTIONS)

    assert out == FIRST_RUN
    assert "29/29" in err
    assert "\r" in err  # the bar is redrawn in place


def test_a_second_run_reports_everything_unchanged(school):
    run(uai="0459990X", **EXAMPLE_OPTIONS)
    before = row_counts()

    out, _err = run(uai="0459990X", no_progress=True, **EXAMPLE_OPTIONS)

    assert row_counts() == before
    assert "  comptes créés : 0\n  comptes mis à jour : 0\n  comptes inchangés : 10\n" in out
    assert "  comptes inchangés : 11\n" in out
    assert "  comptes inchangés : 4\n" in out


def test_it_creates_the_next_year_when_asked(school):
    out, _err = run(uai="0459990x", annee="2027-2028", eleves=EXAMPLE_OPTIONS["eleves"])

    assert out.startswith("Import terminé : Lycée Jean Zay, année 2027-2028 (créée).\n")
    assert school.school_years.filter(name="2027-2028").exists()


def test_errors_are_printed_per_file_and_nothing_is_written(school, tmp_path):
    students = tmp_path / "eleves-2026.csv"
    students.write_text(
        replace_line(example_text(ImportKind.STUDENTS), "Zoé;14/03/2011", "Zoé;31/02/2010"),
        encoding="utf-8",
    )
    teachers = tmp_path / "profs.csv"
    teachers.write_text(
        replace_line(example_text(ImportKind.TEACHERS), "2nde A|2nde B;;2nde B", "2nde Z;;"),
        encoding="cp1252",
    )
    before = row_counts()

    with pytest.raises(CommandError) as failure:
        run(uai="0459990X", eleves=str(students), enseignants=str(teachers), no_progress=True)

    assert str(failure.value) == "Import refusé : rien n'a été modifié."
    assert failure.value.returncode == 1
    assert row_counts() == before


def test_errors_go_to_stderr_with_their_file_and_line(school, tmp_path):
    students = tmp_path / "eleves-2026.csv"
    students.write_text(
        replace_line(example_text(ImportKind.STUDENTS), "Zoé;14/03/2011", "Zoé;31/02/2010"),
        encoding="utf-8",
    )
    teachers = tmp_path / "profs.csv"
    teachers.write_text(
        replace_line(example_text(ImportKind.TEACHERS), "2nde A|2nde B;;2nde B", "2nde Z;;"),
        encoding="cp1252",
    )
    err = StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_csv",
            uai="0459990X",
            eleves=str(students),
            enseignants=str(teachers),
            no_progress=True,
            stdout=StringIO(),
            stderr=err,
        )

    assert err.getvalue() == (
        "Fichier des élèves (eleves-2026.csv) :\n"
        "  Ligne 2 : la date de naissance « 31/02/2010 » n'est pas une date valide.\n"
        "Fichier des enseignants (profs.csv) :\n"
        "  Ligne 3 : la classe « 2nde Z » n'existe pas en 2026-2027.\n"
    )


def test_it_exits_with_status_1_on_errors(school, tmp_path, capsys):
    garbage = tmp_path / "eleves.xlsx"
    garbage.write_bytes(b"PK\x03\x04\x14\x00\x06\x00")

    with pytest.raises(SystemExit) as exit_status:
        ManagementUtility(
            ["manage.py", "import_csv", "--uai", "0459990X", "--eleves", str(garbage)]
        ).execute()

    assert exit_status.value.code == 1
    assert capsys.readouterr().err == (
        "Fichier des élèves (eleves.xlsx) :\n"
        "  Ce fichier n'est pas un fichier CSV lisible : dans votre tableur, enregistrez le "
        "tableau au format « CSV » (UTF-8 ou Windows), avec le point-virgule ou la virgule comme "
        "séparateur.\n"
        "CommandError: Import refusé : rien n'a été modifié.\n"
    )


def test_an_unknown_uai_or_no_file_is_an_error(school):
    with pytest.raises(CommandError, match="Aucun établissement n'a le code UAI « 0000000A »."):
        run(uai="0000000A", **EXAMPLE_OPTIONS)
    with pytest.raises(CommandError, match="Indiquez au moins un fichier"):
        run(uai="0459990X")


# Dry run and mass removals


def one_class_file(tmp_path) -> str:
    """The pupils' file cut down to 2nde A: importing it alone would remove 2nde B's pupils."""
    lines = example_text(ImportKind.STUDENTS).splitlines(keepends=True)
    path = tmp_path / "eleves-2nde-a.csv"
    path.write_text("".join(line for line in lines if "2nde B" not in line), encoding="utf-8")
    return str(path)


def test_a_dry_run_prints_the_report_and_writes_nothing(school):
    before = row_counts()

    out, _err = run(uai="0459990X", dry_run=True, no_progress=True, **EXAMPLE_OPTIONS)

    assert row_counts() == before
    assert out == FIRST_RUN.replace(
        "Import terminé : Lycée Jean Zay, année 2026-2027.",
        "Aperçu, rien n'a été modifié : Lycée Jean Zay, année 2026-2027.",
    )


def test_a_dry_run_gives_the_numbers_of_the_real_import(school, tmp_path):
    run(uai="0459990X", no_progress=True, **EXAMPLE_OPTIONS)
    students = replace_line(
        example_text(ImportKind.STUDENTS),
        "ELV2003;Lemaire;Théo;14/03/2011;2nde A",
        "ELV2003;Lemaire;Théo;14/03/2011;2nde B",
    )
    path = tmp_path / "eleves.csv"
    path.write_text(students, encoding="utf-8")

    preview, _err = run(uai="0459990X", eleves=str(path), dry_run=True, no_progress=True)
    real, _err = run(uai="0459990X", eleves=str(path), no_progress=True)

    assert "  changements de classe : 1\n" in preview
    assert preview.split("\n", 1)[1] == real.split("\n", 1)[1]


def test_a_dry_run_that_would_remove_many_pupils_lists_them_and_warns(school, tmp_path):
    run(uai="0459990X", no_progress=True, eleves=EXAMPLE_OPTIONS["eleves"])
    before = row_counts()

    out, _err = run(uai="0459990X", eleves=one_class_file(tmp_path), dry_run=True, no_progress=True)

    assert row_counts() == before
    assert "  départs (inscriptions de l'année retirées) : 5\n" in out
    assert out.endswith(
        "Élèves retirés de leur classe (absents du fichier) :\n"
        "  Diallo Aya (2nde B, ELV2006)\n"
        "  Garnier Chloé (2nde B, ELV2009)\n"
        "  Mercier Inès (2nde B, ELV2008)\n"
        "  Perrin Nathan (2nde B, ELV2010)\n"
        "  Roussel Léo (2nde B, ELV2007)\n"
        "Attention : cet import supprimerait 5 des 10 inscriptions de l'année (plus de 10 %). "
        "Il ne sera fait qu'avec --complete-list, si le fichier des élèves contient bien la liste "
        "complète des élèves de l'année.\n"
    )


def test_removing_many_pupils_is_refused_without_complete_list(school, tmp_path):
    run(uai="0459990X", no_progress=True, eleves=EXAMPLE_OPTIONS["eleves"])
    before = row_counts()
    err = StringIO()

    with pytest.raises(CommandError) as failure:
        call_command(
            "import_csv",
            uai="0459990X",
            eleves=one_class_file(tmp_path),
            no_progress=True,
            stdout=StringIO(),
            stderr=err,
        )

    assert row_counts() == before
    assert failure.value.returncode == 1
    assert str(failure.value) == (
        "Import refusé : rien n'a été modifié. Si le fichier des élèves contient bien la liste "
        "complète des élèves de l'année, relancez avec --complete-list."
    )
    assert err.getvalue().startswith(
        "Fichier des élèves (eleves-2nde-a.csv) :\n"
        "  Ce fichier supprimerait 5 inscriptions sur 10 de l'année 2026-2027 (plus de 10 %) : "
        "les élèves absents du fichier seraient retirés de leur classe. S'il contient bien la "
        "liste complète des élèves de l'année, confirmez-le pour importer.\n"
        "Élèves retirés de leur classe (absents du fichier) :\n"
        "  Diallo Aya (2nde B, ELV2006)\n"
    )


def test_removing_many_pupils_exits_with_status_1(school, tmp_path, capsys):
    run(uai="0459990X", no_progress=True, eleves=EXAMPLE_OPTIONS["eleves"])
    argv = ["manage.py", "import_csv", "--uai", "0459990X", "--no-progress"]

    with pytest.raises(SystemExit) as exit_status:
        ManagementUtility([*argv, "--eleves", one_class_file(tmp_path)]).execute()

    assert exit_status.value.code == 1
    assert capsys.readouterr().err.endswith("relancez avec --complete-list.\n")


def test_complete_list_lets_the_import_remove_the_missing_pupils(school, tmp_path):
    run(uai="0459990X", no_progress=True, eleves=EXAMPLE_OPTIONS["eleves"])

    out, _err = run(
        uai="0459990X", eleves=one_class_file(tmp_path), complete_list=True, no_progress=True
    )

    assert out.startswith("Import terminé : Lycée Jean Zay, année 2026-2027.\n")
    assert "  départs (inscriptions de l'année retirées) : 5\n" in out
    assert "Élèves retirés de leur classe (absents du fichier) :\n  Diallo Aya (2nde B" in out
    assert Enrolment.objects.filter(school_year__name="2026-2027").count() == 5


def test_removing_one_pupil_in_ten_needs_no_confirmation(school, tmp_path):
    run(uai="0459990X", no_progress=True, eleves=EXAMPLE_OPTIONS["eleves"])
    path = tmp_path / "eleves.csv"
    path.write_text(
        replace_line(
            example_text(ImportKind.STUDENTS),
            "ELV2010;Perrin;Nathan;11/02/2011;2nde B;LV2 Allemand;\n",
            "",
        ),
        encoding="utf-8",
    )

    out, _err = run(uai="0459990X", eleves=str(path), no_progress=True)

    assert "  départs (inscriptions de l'année retirées) : 1\n" in out
    assert Enrolment.objects.filter(school_year__name="2026-2027").count() == 9
