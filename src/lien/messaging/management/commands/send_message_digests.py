from django.core.management.base import BaseCommand

from lien.messaging import notifications


class Command(BaseCommand):
    help = (
        "Send the daily digest of unread messages to those who chose it "
        "(at most one per person and day: running it again sends nothing more)."
    )

    def handle(self, *args, **options):
        sent = notifications.send_daily_digests()
        self.stdout.write(f"{sent} digest(s) sent.")
