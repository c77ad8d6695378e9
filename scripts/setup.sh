#!/usr/bin/env bash
# Idempotent setup: system packages, virtualenv, Python dependencies, translations, database.
# Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

want_dev=0
[ "${1:-}" = "--dev" ] && want_dev=1

need_apt=()
command -v msgfmt >/dev/null 2>&1 || need_apt+=(gettext)
if [ "$want_dev" = 1 ]; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
  [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
  command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing system packages: ${need_apt[*]}"
    apt-get update -qq
    # Install only: no package's service (nginx) is started; the project starts its own.
    policy=/usr/sbin/policy-rc.d
    [ -e "$policy" ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    [ "${made_policy:-0}" = 1 ] && rm -f "$policy"
  else
    echo "setup: please install these Debian packages: ${need_apt[*]}" >&2
  fi
fi

PYTHON="${PYTHON:-python3.11}"
lock=requirements/base.lock
[ "$want_dev" = 1 ] && lock=requirements/dev.lock
stamp=".venv/.installed-$(basename "$lock")-$(sha1sum "$lock" pyproject.toml | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -r "$lock"
  .venv/bin/pip install -q --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi

mkdir -p var
(cd src/lien && ../../.venv/bin/python ../../manage.py compilemessages -v 0)
