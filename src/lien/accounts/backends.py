from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def find_user(identifier: str):
    """The active user whose username, or else whose unique e-mail address, is `identifier`."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    User = get_user_model()
    user = User.objects.filter(username__iexact=identifier).first()
    if user is None and "@" in identifier:
        matches = list(User.objects.filter(email__iexact=identifier)[:2])
        # An e-mail shared by two accounts (siblings' parent) cannot identify one of them.
        user = matches[0] if len(matches) == 1 else None
    return user


def axes_username(request, credentials) -> str:
    """Count failures per account, whichever identifier (username or e-mail) was typed."""
    identifier = (credentials or {}).get("username", "")
    user = find_user(identifier)
    return user.username if user is not None else identifier.strip().lower()


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_user(username)
        if user is None or password is None or not user.has_usable_password():
            # Spend the same time as a real check, so that timing tells nothing of whether the
            # account exists or still waits for its activation letter.
            get_user_model()().set_password(password or "")
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
