"""The English catalogue is complete, and the pages follow the browser's language."""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

PO_FILE = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?\w+[^>]*>")


@dataclass
class Entry:
    msgctxt: str = ""
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    obsolete: bool = False


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (enough of the format for the files makemessages writes)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target = ("msgid", 0)
    for line in text.splitlines():
        if not line.strip():
            entry = None
            continue
        if entry is None:
            entry = Entry()
            entries.append(entry)
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        else:
            keyword, _, quoted = line.partition(" ") if not line.startswith('"') else ("", "", line)
            if keyword.startswith("msgstr"):
                index = keyword.partition("[")[2].rstrip("]")
                target = ("msgstr", int(index or 0))
            elif keyword:
                target = (keyword, 0)
            value = ast.literal_eval(quoted)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] = entry.msgstr.get(target[1], "") + value
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + value)
    return entries


@pytest.fixture(scope="module")
def entries():
    return [e for e in parse_po(PO_FILE.read_text(encoding="utf-8")) if e.msgid and not e.obsolete]


def test_parser_reads_plurals_continuations_and_flags():
    text = (
        '#, fuzzy, python-format\nmsgid ""\n"Un %(n)s "\n"deux"\nmsgid_plural "Des %(n)s"\n'
        'msgstr[0] "One %(n)s"\nmsgstr[1] ""\n\n#~ msgid "vieux"\n#~ msgstr "old"\n'
    )
    first, second = parse_po(text)
    assert (first.msgid, first.msgid_plural) == ("Un %(n)s deux", "Des %(n)s")
    assert first.msgstr == {0: "One %(n)s", 1: ""}
    assert first.flags == ["fuzzy", "python-format"]
    assert second.obsolete is True


def test_catalogue_has_the_whole_interface(entries):
    msgids = {entry.msgid for entry in entries}
    assert len(entries) > 300
    assert {"Connexion à Lien", "Se connecter", "Vie scolaire (CPE)", "Français"} <= msgids


def test_every_french_string_has_an_english_translation(entries):
    untranslated = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    assert untranslated == [], (
        "Translate these strings in src/lien/locale/en/LC_MESSAGES/django.po: "
        + " | ".join(untranslated)
    )


def test_no_translation_is_left_fuzzy(entries):
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert fuzzy == [], "Check these translations and remove their fuzzy flag: " + " | ".join(fuzzy)


def test_translations_keep_placeholders_and_tags(entries):
    broken = []
    for entry in entries:
        for index, text in entry.msgstr.items():
            source = entry.msgid_plural if index > 0 and entry.msgid_plural else entry.msgid
            # The singular of a plural may spell out "one" instead of the number.
            expected = set(PLACEHOLDER.findall(source))
            found = set(PLACEHOLDER.findall(text))
            if found != expected and not (entry.msgid_plural and index == 0 and found < expected):
                broken.append(entry.msgid)
    assert broken == [], "Placeholders or tags differ from the French in: " + " | ".join(broken)


def test_language_names_stay_in_their_own_language(entries):
    by_msgid = {entry.msgid: entry.msgstr[0] for entry in entries}
    assert by_msgid["Français"] == "Français"
    assert by_msgid["English"] == "English"


# Pages in English and in French


@pytest.fixture(autouse=True)
def back_to_default_language():
    """Requests activate their language in this thread: leave French for the next tests."""
    yield
    translation.deactivate()


def test_login_page_is_in_english_when_the_browser_asks_for_it(client):
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in body
    assert "<title>Log in · Lien</title>" in body
    assert "<h1>Log in to Lien</h1>" in body
    assert "Forgotten your password?" in body
    assert "Username or email address" in body
    assert "Connexion à Lien" not in body
    assert 'value="fr">Français</option>' in body
    assert 'value="en" selected>English</option>' in body


def test_login_page_is_in_french_without_a_language_header(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="fr">' in body
    assert "<h1>Connexion à Lien</h1>" in body
    assert "Mot de passe oublié ?" in body
    assert "Log in to Lien" not in body
    assert 'value="fr" selected>Français</option>' in body


def test_teacher_home_is_in_english_when_the_browser_asks_for_it(cast, login):
    teacher = cast.a.teacher
    response = login(teacher).get(reverse("home:index"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body
    assert f"<h1>Hello {escape(teacher.user.get_full_name())}</h1>" in body
    assert "<h2>My classes and groups</h2>" in body
    assert '<span class="badge">main teacher</span>' in body
    assert ">Log out</button>" in body
    assert "Mes classes et groupes" not in body


def test_teacher_home_is_in_french_without_a_language_header(cast, login):
    teacher = cast.a.teacher
    body = login(teacher).get(reverse("home:index")).content.decode()
    assert '<html lang="fr">' in body
    assert f"<h1>Bonjour {escape(teacher.user.get_full_name())}</h1>" in body
    assert "<h2>Mes classes et groupes</h2>" in body
    assert ">Se déconnecter</button>" in body
    assert "My classes and groups" not in body
