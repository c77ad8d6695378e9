from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "lien.admission"
    verbose_name = _("Admission et mode crise")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from lien.admission.priority import remember_identity

        # The priority class is read from the session on every request: computed once, here.
        user_logged_in.connect(remember_identity, dispatch_uid="lien.admission.remember_identity")
