from django.urls import path

from lien.accounts.views import activation, login, security

app_name = "accounts"

urlpatterns = [
    path("connexion/", login.login_view, name="login"),
    path("deconnexion/", login.logout_view, name="logout"),
    # Activation letters and the first login with their code (views/activation.py)
    path("activation/", activation.activation_view, name="activation"),
    path(
        "activation/mot-de-passe/",
        activation.activation_password_view,
        name="activation-password",
    ),
    path("classes/<uuid:code>/lettres/", activation.letters_view, name="activation-letters"),
    # Account security (views/security.py)
    path("connexion/verification/", security.login_verify, name="login-verify"),
    path(
        "mot-de-passe-oublie/",
        security.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "mot-de-passe-oublie/envoye/",
        security.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        security.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "mot-de-passe-oublie/termine/",
        security.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("compte/securite/", security.security_index, name="security"),
    path(
        "compte/securite/mot-de-passe/",
        security.PasswordChangeView.as_view(),
        name="password-change",
    ),
    path(
        "compte/securite/deconnexion-partout/",
        security.logout_everywhere,
        name="logout-everywhere",
    ),
    path(
        "compte/securite/double-authentification/",
        security.two_factor_enable,
        name="two-factor-enable",
    ),
    path(
        "compte/securite/double-authentification/desactivation/",
        security.two_factor_disable,
        name="two-factor-disable",
    ),
]
