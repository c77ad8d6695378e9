from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from lien.core.demo import SchoolBuilder
from lien.core.models import Collectivity, Establishment, ParentLink, Profile, TutorLink
from lien.home.demo import seed_class_work
from lien.usage.demo import seed_demo_usage

DEMO_PASSWORD = "Lien-demo-2026"
LYCEE_UAI = "0459990X"
COLLEGE_UAI = "0459991Y"

# (role label, username) in the order the README and the command print them.
DEMO_LOGINS = [
    ("Élève (lycée)", "eleve"),
    ("Parent (deux enfants, lycée et collège)", "parent"),
    ("Enseignant (lycée)", "enseignant"),
    ("Enseignant au collège et parent d'un lycéen", "enseignant.parent"),
    ("Direction (proviseur)", "direction"),
    ("Vie scolaire (CPE)", "cpe"),
    ("Documentaliste", "documentaliste"),
    ("Administrateur ENT", "admin.ent"),
    ("Opérateur de la Région", "operateur.region"),
    ("Opérateur du Département", "operateur.departement"),
    ("Tuteur externe", "tuteur"),
]

Role = Profile.Role
Function = Profile.StaffFunction


class Command(BaseCommand):
    help = "Seeds the demo school (a lycée of a région, a collège of a département); idempotent."

    def handle(self, *args, **options):
        if Establishment.objects.filter(uai=LYCEE_UAI).exists():
            self.stdout.write("Données de démonstration déjà présentes : rien à créer.")
        else:
            with transaction.atomic():
                self.seed()
            self.stdout.write(self.style.SUCCESS("Établissements de démonstration créés."))
        self.print_logins()

    def seed(self) -> None:
        demo_hash = make_password(DEMO_PASSWORD)
        builder = SchoolBuilder(seed=2020, password_hash=make_password(None))
        region = Collectivity.objects.create(name="Région Centre-Val de Loire", kind="region")
        department = Collectivity.objects.create(name="Département du Loiret", kind="department")
        lycee = builder.build_establishment(
            region,
            name="Lycée Jean Zay",
            uai=LYCEE_UAI,
            kind=Establishment.Kind.HIGH,
            city="Orléans",
            class_names=["2nde A", "2nde B", "2nde C", "1re G1", "1re STMG", "Tle G1", "Tle G2"],
            students_per_class=28,
            teacher_count=16,
        )
        college = builder.build_establishment(
            department,
            name="Collège Jeanne d'Arc",
            uai=COLLEGE_UAI,
            kind=Establishment.Kind.MIDDLE,
            city="Orléans",
            class_names=["6e A", "6e B", "5e A", "4e A", "3e A", "3e B"],
            students_per_class=26,
            teacher_count=13,
        )
        demo_users = []

        def rename(profile: Profile, username: str):
            profile.user.username = username
            demo_users.append(profile.user)
            return profile

        lycee_students = list(_profiles(lycee, Role.STUDENT))
        student = rename(lycee_students[0], "eleve")
        parent = rename(student.parent_links.first().parent, "parent")
        college_child = _profiles(college, Role.STUDENT).first()
        college_child.parent_links.all().delete()
        second_parent_profile = Profile.objects.create(
            user=parent.user, role=Role.PARENT, establishment=college, external_id="R-DEMO"
        )
        ParentLink.objects.create(parent=second_parent_profile, student=college_child)
        college_child.user.last_name = parent.user.last_name
        college_child.user.save(update_fields=["last_name"])

        rename(_profiles(lycee, Role.TEACHER).get(external_id="P00001"), "enseignant")
        teacher_parent = rename(_profiles(college, Role.TEACHER).first(), "enseignant.parent")
        lycee_child = lycee_students[40]
        teacher_parent_profile = Profile.objects.create(
            user=teacher_parent.user, role=Role.PARENT, establishment=lycee, external_id="R-DEMO2"
        )
        ParentLink.objects.create(parent=teacher_parent_profile, student=lycee_child)

        for function, username, first, last in [
            (Function.DIRECTION, "direction", "Catherine", "Lemoine"),
            (Function.SCHOOL_LIFE, "cpe", "Karim", "Benali"),
            (Function.LIBRARIAN, "documentaliste", "Hélène", "Roussel"),
            (Function.ENT_ADMIN, "admin.ent", "Julien", "Marchand"),
        ]:
            self.staff(builder, lycee, function, username, first, last, demo_users)
        for function, first, last in [
            (Function.DIRECTION, "Philippe", "Garnier"),
            (Function.SCHOOL_LIFE, "Sophie", "Caron"),
            (Function.ENT_ADMIN, "Marc", "Delaunay"),
        ]:
            spec = builder.person(first, last)
            self.staff(builder, college, function, spec.username, first, last, demo_users)
        for collectivity, username, first, last in [
            (region, "operateur.region", "Nadia", "Haddad"),
            (department, "operateur.departement", "Olivier", "Perrin"),
        ]:
            user = builder.create_users([_spec(username, first, last)], with_email=True)[0]
            Profile.objects.create(user=user, role=Role.OPERATOR, collectivity=collectivity)
            demo_users.append(user)
        tutor_user = builder.create_users([_spec("tuteur", "Bernard", "Lacroix")], True)[0]
        tutor = Profile.objects.create(user=tutor_user, role=Role.TUTOR, establishment=lycee)
        TutorLink.objects.bulk_create(
            [TutorLink(tutor=tutor, student=s) for s in lycee_students[1:3]]
        )
        demo_users.append(tutor_user)

        self.activate_some(demo_users, demo_hash)
        # A month of usage, so that the statistics pages have something to show.
        for collectivity in (region, department):
            seed_demo_usage(collectivity)
        # Homework, assignments and news, so that pupils and parents find some.
        for establishment in (lycee, college):
            seed_class_work(establishment)

    def staff(self, builder, establishment, function, username, first, last, demo_users):
        user = builder.create_users([_spec(username, first, last)], with_email=True)[0]
        Profile.objects.create(
            user=user, role=Role.STAFF, staff_function=function, establishment=establishment
        )
        demo_users.append(user)

    def activate_some(self, demo_users, demo_hash) -> None:
        """Demo logins are active; about two accounts in three of the others are too."""
        from lien.accounts.models import User

        now = timezone.now()
        demo_ids = {u.pk for u in demo_users}
        for user in demo_users:
            user.password = demo_hash
            user.activated_at = now - timedelta(days=60)
            user.last_login = now - timedelta(hours=3)
        User.objects.bulk_update(demo_users, ["username", "password", "activated_at", "last_login"])
        others = list(User.objects.exclude(pk__in=demo_ids).order_by("pk"))
        builder_rng = SchoolBuilder(seed=7).rng
        activated = [u for u in others if builder_rng.random() < 0.66]
        for user in activated:
            user.password = demo_hash
            user.activated_at = now - timedelta(days=builder_rng.randint(20, 80))
            user.last_login = now - timedelta(hours=builder_rng.randint(1, 24 * 20))
        User.objects.bulk_update(
            activated, ["password", "activated_at", "last_login"], batch_size=1000
        )

    def print_logins(self) -> None:
        self.stdout.write(f"\nComptes de démonstration (mot de passe pour tous : {DEMO_PASSWORD})")
        for label, username in DEMO_LOGINS:
            self.stdout.write(f"  {label:<45} {username}")


def _profiles(establishment, role):
    return (
        Profile.objects.filter(establishment=establishment, role=role)
        .select_related("user")
        .order_by("external_id")
    )


def _spec(username, first, last):
    from lien.core.demo import PersonSpec

    return PersonSpec(username, first, last)
