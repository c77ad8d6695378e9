from django.urls import path

from lien.home import views

app_name = "home"

urlpatterns = [
    path("", views.index, name="index"),
    path("profil/", views.switch_profile, name="switch-profile"),
]
