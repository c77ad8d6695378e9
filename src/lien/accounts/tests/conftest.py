import pytest

from lien.accounts import activation


@pytest.fixture
def pupil(cast):
    """A pupil whose account waits for its activation letter."""
    user = cast.a.student.user
    user.set_unusable_password()
    user.activated_at = None
    user.save()
    return user


@pytest.fixture
def code(pupil):
    """The code printed on that pupil's activation letter."""
    return activation.do_issue_codes([pupil])[0].code
