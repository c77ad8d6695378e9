#!/usr/bin/env bash
# Fails when the English catalogue is stale: some French string in the code is missing from
# src/lien/locale/en/LC_MESSAGES/django.po (or an entry there no longer exists in the code).
# Runs makemessages, compares ignoring the POT-Creation-Date line, then restores the file.
set -euo pipefail
cd "$(dirname "$0")/.."

po=src/lien/locale/en/LC_MESSAGES/django.po
saved="$(mktemp)"
cp "$po" "$saved"
trap 'cp "$saved" "$po"; rm -f "$saved"' EXIT

(cd src/lien && ../../.venv/bin/python ../../manage.py makemessages -l en --no-obsolete -v 0)

if ! diff -u <(grep -v '^"POT-Creation-Date:' "$saved") <(grep -v '^"POT-Creation-Date:' "$po") \
  >/dev/null; then
  echo "check_messages: the English catalogue ($po) is out of date with the code." >&2
  # New strings come untranslated, or fuzzy when gettext guessed from a similar one.
  new_strings="$({ msgattrib --untranslated --no-wrap --no-location "$po"
    msgattrib --only-fuzzy --no-wrap --no-location "$po"; } \
    | grep -E '^msgid(_plural)? ' | grep -v '^msgid ""$' || true)"
  if [ -n "$new_strings" ]; then
    echo "check_messages: French strings without an English translation (or a fuzzy one):" >&2
    sed 's/^/  /' <<<"$new_strings" >&2
  else
    echo "check_messages: strings were removed or moved in the code." >&2
  fi
  echo "check_messages: run \`make messages\` and translate the new strings." >&2
  exit 1
fi
echo "check_messages: the English catalogue is up to date."
