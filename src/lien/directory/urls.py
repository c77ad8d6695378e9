from django.urls import path

from lien.directory import views

app_name = "directory"

urlpatterns = [
    path("import/", views.import_files, name="import"),
    path("import/<uuid:code>/", views.import_job, name="import-job"),
    path("import/<uuid:code>/confirmer/", views.confirm_import, name="import-confirm"),
    path("import/<uuid:code>/annuler/", views.cancel_import, name="import-cancel"),
    path("classes/<uuid:code>/", views.class_roster, name="class-roster"),
    path("personnel/", views.staff, name="staff"),
    path(
        "personnel/<uuid:code>/double-authentification/",
        views.reset_two_factor,
        name="staff-two-factor-reset",
    ),
]
