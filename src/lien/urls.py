from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from lien.ops.views import health, readiness_view

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="home:index"), name="root"),
    path("", include("lien.accounts.urls")),
    path("accueil/", include("lien.home.urls")),
    path("annuaire/", include("lien.directory.urls")),
    path("messagerie/", include("lien.messaging.urls")),
    path("langue/", set_language, name="set_language"),
    path("admission/", include("lien.admission.urls")),
    path("exploitation/", include("lien.ops.urls")),
    path("statistiques/", include("lien.usage.urls")),
    path("actualites/", include("lien.news.urls")),
    path("cahier-de-textes/", include("lien.homework.urls")),
    path("devoirs/", include("lien.assignments.urls")),
    path("sante/", health, name="health"),
    path("sante/pret/", readiness_view, name="health-ready"),
]
