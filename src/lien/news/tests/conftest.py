import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files stored by a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
