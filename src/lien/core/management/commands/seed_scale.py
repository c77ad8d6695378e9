"""Seeds a large installation (many establishments, tens of thousands of pupils) for benchmarks."""

import math
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from tqdm import tqdm

from lien.core.demo import SchoolBuilder
from lien.core.models import (
    Collectivity,
    Enrolment,
    Establishment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    TeachingAssignment,
)

# Scale establishments are told apart from real and demo ones by this UAI prefix.
SCALE_UAI_PREFIX = "099"
# The check letter of a UAI: the 7-digit number modulo 23, in this alphabet.
UAI_KEY_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
MAX_CLASS_SIZE = 30
STUDENTS_PER_TEACHER = 20
MIN_TEACHERS = 3
STAFF_FUNCTIONS = list(Profile.StaffFunction)
PATRONS = (
    "Victor Hugo|Jules Ferry|Jean Moulin|Marie Curie|Louise Michel|Jean Jaurès|Albert Camus|"
    "Simone Veil|Pierre Mendès France|George Sand|Paul Langevin|Condorcet|Voltaire|Molière|"
    "Jean de La Fontaine|Colette|Émile Zola|Rosa Parks|Olympe de Gouges|Jacques Prévert|"
    "Gustave Eiffel|Antoine de Saint-Exupéry|Lucie Aubrac|Charles Péguy|Blaise Pascal|"
    "Camille Claudel|Jean Rostand|Françoise Dolto|Joliot-Curie|Alexandre Dumas"
).split("|")
CITIES = (
    "Orléans|Tours|Blois|Bourges|Chartres|Châteauroux|Dreux|Vierzon|Montargis|Gien|Pithiviers|"
    "Vendôme|Romorantin|Amboise|Chinon|Loches|Issoudun|Saint-Amand|Nogent|Châteaudun"
).split("|")
User = get_user_model()
LEVELS = {
    Establishment.Kind.MIDDLE: ["6e", "5e", "4e", "3e"],
    Establishment.Kind.HIGH: ["2nde", "1re", "Tle"],
}


def uai(number: int) -> str:
    """A well-formed UAI: 7 digits and their check letter."""
    digits = f"{SCALE_UAI_PREFIX}{number:04d}"
    return digits + UAI_KEY_LETTERS[int(digits) % 23]


def split_evenly(total: int, parts: int) -> list[int]:
    """`total` split into `parts` integers that differ by at most one, the larger first."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def class_names(kind: str, count: int) -> list[str]:
    """`count` class names spread over the levels of the school: 6e A, 6e B, 5e A …"""
    levels = LEVELS[kind]
    per_level = split_evenly(count, len(levels))
    names = []
    for level, n in zip(levels, per_level, strict=True):
        for i in range(n):
            names.append(f"{level} {chr(ord('A') + i)}" if n <= 26 else f"{level} {i + 1}")
    return names


class Command(BaseCommand):
    help = (
        "Seeds a large data set for the benchmarks: N establishments (collèges and lycées) "
        "sharing the pupils, with their parents, teachers, staff and operators. Does nothing "
        "when the scale data set is already present."
    )

    def add_arguments(self, parser):
        parser.add_argument("--establishments", type=int, default=20)
        parser.add_argument("--students", type=int, default=20000)
        parser.add_argument("--collectivities", type=int, default=2)
        parser.add_argument("--seed", type=int, default=2020)

    def handle(self, *args, **options):
        establishments = options["establishments"]
        students = options["students"]
        collectivities = options["collectivities"]
        if not 1 <= establishments <= 9999:
            raise CommandError("--establishments doit être compris entre 1 et 9999.")
        if not 1 <= collectivities <= establishments:
            raise CommandError("--collectivities doit être compris entre 1 et --establishments.")
        if students < establishments:
            raise CommandError("Il faut au moins un élève par établissement (--students).")
        existing = Establishment.objects.filter(uai__startswith=SCALE_UAI_PREFIX).count()
        if existing:
            self.stdout.write(
                f"Données de montée en charge déjà présentes ({existing} établissements, UAI "
                f"{SCALE_UAI_PREFIX}…) : rien à créer. Utilisez une base vide pour en créer "
                "d'autres."
            )
            return
        started = time.perf_counter()
        self.seed(establishments, students, collectivities, options)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Données créées en {elapsed:.1f} s."))
        for label, count in row_counts().items():
            self.stdout.write(f"  {label:<28} {count:>8}")

    def seed(self, establishment_count, student_count, collectivity_count, options) -> None:
        builder = SchoolBuilder(seed=options["seed"])
        first_user_id = (User.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
        with transaction.atomic():
            collectivities = self.create_collectivities(builder, collectivity_count)
        progress = tqdm(
            list(enumerate(split_evenly(student_count, establishment_count))),
            unit="établissement",
            disable=options["verbosity"] == 0,
        )
        for index, pupils in progress:
            # Collèges belong to Départements and lycées to Régions, when there are both.
            kind = Establishment.Kind.MIDDLE if index % 2 == 0 else Establishment.Kind.HIGH
            wanted = "department" if kind == Establishment.Kind.MIDDLE else "region"
            owners = [c for c in collectivities if c.kind == wanted] or collectivities
            patron = PATRONS[index % len(PATRONS)]
            round_number = index // len(PATRONS)
            name = f"{'Collège' if kind == Establishment.Kind.MIDDLE else 'Lycée'} {patron}"
            name += f" {round_number + 1}" if round_number else ""
            progress.set_description(name)
            class_count = math.ceil(pupils / MAX_CLASS_SIZE)
            with transaction.atomic():
                establishment = builder.build_establishment(
                    owners[(index // 2) % len(owners)],
                    name=name,
                    uai=uai(index + 1),
                    kind=kind,
                    city=CITIES[index % len(CITIES)],
                    class_names=class_names(kind, class_count),
                    students_per_class=math.ceil(pupils / class_count),
                    teacher_count=max(MIN_TEACHERS, round(pupils / STUDENTS_PER_TEACHER)),
                    student_count=pupils,
                )
                self.create_staff(builder, establishment)
        # About two accounts in three are activated, as a few weeks after the rentrée.
        User.objects.filter(pk__gt=first_user_id).alias(third=F("pk") % 3).exclude(third=0).update(
            activated_at=timezone.now()
        )

    def create_collectivities(self, builder, count) -> list[Collectivity]:
        collectivities = []
        for i in range(count):
            is_region = count == 1 or i % 2 == 1
            label = "Région" if is_region else "Département"
            collectivity = Collectivity.objects.create(
                name=f"{label} de montée en charge {i + 1}",
                kind=Collectivity.Kind.REGION if is_region else Collectivity.Kind.DEPARTMENT,
            )
            user = builder.create_users([builder.person()], with_email=True)[0]
            Profile.objects.create(user=user, role=Profile.Role.OPERATOR, collectivity=collectivity)
            collectivities.append(collectivity)
        return collectivities

    def create_staff(self, builder, establishment) -> None:
        users = builder.create_users([builder.person() for _ in STAFF_FUNCTIONS], True)
        Profile.objects.bulk_create(
            Profile(user=u, role=Profile.Role.STAFF, staff_function=f, establishment=establishment)
            for u, f in zip(users, STAFF_FUNCTIONS, strict=True)
        )


def row_counts() -> dict[str, int]:
    """The number of rows of each kind in the whole database."""
    profiles = Profile.objects.all()
    return {
        "collectivités": Collectivity.objects.count(),
        "établissements": Establishment.objects.count(),
        "classes": SchoolClass.objects.count(),
        "groupes": Group.objects.count(),
        "comptes": User.objects.count(),
        "élèves": profiles.filter(role=Profile.Role.STUDENT).count(),
        "parents": profiles.filter(role=Profile.Role.PARENT).count(),
        "enseignants": profiles.filter(role=Profile.Role.TEACHER).count(),
        "personnels": profiles.filter(role=Profile.Role.STAFF).count(),
        "opérateurs": profiles.filter(role=Profile.Role.OPERATOR).count(),
        "inscriptions": Enrolment.objects.count(),
        "liens de parenté": ParentLink.objects.count(),
        "services d'enseignement": TeachingAssignment.objects.count(),
        "membres de groupes": Group.members.through.objects.count(),
    }
