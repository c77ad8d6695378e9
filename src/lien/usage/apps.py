from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "lien.usage"
    verbose_name = _("Statistiques d'usage")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from lien.usage.middleware import count_login

        user_logged_in.connect(count_login, dispatch_uid="lien.usage.count_login")
