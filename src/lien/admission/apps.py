from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "lien.admission"
    verbose_name = _("Admission et mode crise")
