from django.core.management.base import BaseCommand

from lien.usage import counters


class Command(BaseCommand):
    help = (
        "Adds the page views, sessions and unique visitors counted since the last run to the "
        "usage statistics (what Celery beat does every minute; for cron without beat)."
    )

    def handle(self, *args, **options):
        rows = counters.flush()
        self.stdout.write(f"{rows} lignes de statistiques mises à jour.")
