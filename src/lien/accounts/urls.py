from django.urls import path

from lien.accounts.views import login

app_name = "accounts"

urlpatterns = [
    path("connexion/", login.login_view, name="login"),
    path("deconnexion/", login.logout_view, name="logout"),
]
