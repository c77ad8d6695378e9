from django.core.management.base import BaseCommand, CommandError

from lien.core.models import Collectivity
from lien.usage.demo import seed_demo_usage


class Command(BaseCommand):
    help = (
        "Fills plausible usage statistics for the last days of every collectivité (or one), "
        "for demonstrations; running it again writes the same figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jours", type=int, default=30, help="number of days (30)")
        parser.add_argument("--collectivite", help="the collectivité's name (all by default)")

    def handle(self, *args, jours, collectivite, **options):
        if jours < 1:
            raise CommandError("--jours doit être au moins 1.")
        collectivities = Collectivity.objects.all()
        if collectivite:
            collectivities = collectivities.filter(name=collectivite)
            if not collectivities:
                raise CommandError(f"Aucune collectivité ne s'appelle « {collectivite} ».")
        for collectivity in collectivities:
            rows = seed_demo_usage(collectivity, days=jours)
            self.stdout.write(f"{collectivity.name} : {rows} lignes de statistiques.")
