from datetime import timedelta

import pytest
from django.utils import timezone

from lien.core.models import TeachingAssignment


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cast(cast):
    """The cast, with its current school years around today (the tests write work due in the
    coming days, whatever the day they run)."""
    today = timezone.localdate()
    for school in (cast.a, cast.b, cast.c):
        school.year.starts_on = today - timedelta(days=90)
        school.year.ends_on = today + timedelta(days=200)
        school.year.save()
    return cast


@pytest.fixture
def two_classes(cast):
    """School A's teacher teaches mathematics to 2nde A and 2nde B."""
    a = cast.a
    TeachingAssignment.objects.create(teacher=a.teacher, subject=a.subject, school_class=a.class_b)
    return cast
