from django.urls import path

from lien.admission import views

app_name = "admission"

urlpatterns = [
    path("crise/", views.crisis, name="crisis"),
    path("crise/<uuid:code>/fin/", views.end_crisis, name="end-crisis"),
]
