import pytest


@pytest.fixture(autouse=True)
def login_gate(settings, tmp_path):
    """A login gate of this test's own, with one slot and no waiting."""
    settings.LIEN_LOGIN_GATE_DIR = tmp_path / "login-gate"
    settings.LIEN_LOGIN_CONCURRENCY = 1
    settings.LIEN_LOGIN_QUEUE_LENGTH = 1
    settings.LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS = 0
    return settings
