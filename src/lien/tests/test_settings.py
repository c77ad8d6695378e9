"""Production settings pass Django's deployment checks; EMAIL_URL is understood."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lien.lib.env import email_settings

MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


def run_manage(*args, **env):
    # Run as an operator would: without the test settings, nor the browser tests' async flag.
    left_out = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in left_out}
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warning():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        LIEN_ENV="production",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-for-the-check-1234567890",
        ALLOWED_HOSTS="ent.example.fr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", LIEN_ENV="production", SECRET_KEY="", ALLOWED_HOSTS="x")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+tls://lien:s%40cret@smtp.example.fr:587",
            {
                "EMAIL_HOST": "smtp.example.fr",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "lien",
                "EMAIL_HOST_PASSWORD": "s@cret",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        ("smtps://smtp.example.fr", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("smtp://127.0.0.1:2525", {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": 2525}),
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ],
)
def test_email_url_is_translated_into_django_settings(url, expected):
    settings = email_settings(url)
    assert {key: settings[key] for key in expected} == expected


def test_unknown_email_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown scheme"):
        email_settings("pigeon://loft")
