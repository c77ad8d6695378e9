"""Turn off a user's two-factor authentication, for the support desk (a lost phone)."""

from django.core.management.base import BaseCommand, CommandError

from lien.accounts import two_factor
from lien.accounts.models import User

DEFAULT_BY = "l'assistance de l'ENT"


class Command(BaseCommand):
    help = (
        "Turns off the two-factor authentication of an account whose owner lost their phone: "
        "removes its authentication devices, ends all its sessions and e-mails its owner. "
        "Check the person's identity first. Exits with status 1 if the account is unknown or "
        "has no two-factor authentication."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the account's username (case is ignored)")
        parser.add_argument(
            "--by",
            default=DEFAULT_BY,
            help=f"who turns it off, as the e-mail names them (default: « {DEFAULT_BY} »)",
        )

    def handle(self, *args, **options):
        username = options["username"].strip()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"Aucun compte n'a l'identifiant « {username} ».")
        if not two_factor.do_reset(user, reset_by=options["by"]):
            raise CommandError(
                f"La double authentification du compte « {user.username} » n'est pas activée : "
                "rien n'a été modifié."
            )
        notice = (
            f"un e-mail a été envoyé à {user.email}"
            if user.email
            else "le compte n'a pas d'adresse e-mail : prévenez la personne"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Double authentification désactivée pour « {user.username} » "
                f"({user.get_full_name() or user.username}) ; ses sessions sont fermées, {notice}."
            )
        )
