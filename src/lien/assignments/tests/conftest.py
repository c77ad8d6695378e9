import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
