from django.urls import path

from lien.assignments import views

app_name = "assignments"

urlpatterns = [
    path("", views.index, name="index"),
    path("nouveau/", views.create, name="create"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/modifier/", views.edit, name="edit"),
    path("<uuid:code>/rendre/", views.submit, name="submit"),
    path("<uuid:code>/suivi/", views.tracking, name="tracking"),
    path("<uuid:code>/telecharger/", views.download_all, name="download-all"),
    path("depots/<uuid:code>/", views.submission, name="submission"),
    path("depots/<uuid:code>/recu/", views.receipt, name="receipt"),
    path("fichiers/<uuid:code>/", views.download_file, name="file"),
    path("copies-corrigees/<uuid:code>/", views.download_returned_file, name="returned-file"),
]
