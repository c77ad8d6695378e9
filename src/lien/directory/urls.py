from django.urls import path

from lien.directory import views

app_name = "directory"

urlpatterns = [
    path("import/", views.import_files, name="import"),
    path("import/<uuid:code>/", views.import_job, name="import-job"),
    path("classes/<uuid:code>/", views.class_roster, name="class-roster"),
]
