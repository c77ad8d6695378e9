"""Usernames made from a person's names: prenom.nom, then prenom.nom2, prenom.nom3 …"""

import unicodedata

# Longest base, leaving room for a counter within the 150 characters of a username.
MAX_BASE_LENGTH = 140
# Used when a name has no latin letter or digit at all.
FALLBACK = "compte"


def slug(text: str) -> str:
    """Lowercase ASCII letters, digits, dots and hyphens only: "Éloïse" → "eloise"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum() or ch in ".-")


def username_base(first_name: str, last_name: str) -> str:
    first, last = slug(first_name), slug(last_name).replace("-", "")
    base = ".".join(part for part in (first, last) if part) or FALLBACK
    return base[:MAX_BASE_LENGTH]


def unique_username(first_name: str, last_name: str, taken: set[str]) -> str:
    """The first free username for these names; it is added to `taken`.

    `taken` holds the usernames already in use, lowercased: logins ignore case.
    """
    base = username_base(first_name, last_name)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate
