"""Builds realistic schools fast (bulk inserts), for the demo and for the benchmarks."""

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from lien.core.models import (
    Collectivity,
    Enrolment,
    Establishment,
    Group,
    ParentLink,
    Profile,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
)
from lien.lib.usernames import unique_username

FIRST_NAMES = (
    "Léa Emma Jade Louise Alice Chloé Lina Mila Rose Anna Inès Ambre Julia Léna Manon Zoé "
    "Camille Sarah Lou Eva Nina Juliette Romane Agathe Louna Clara Maëlys Yasmine Aya Salomé "
    "Gabriel Léo Raphaël Louis Arthur Jules Adam Lucas Hugo Maël Noah Sacha Gabin Nathan Tom "
    "Paul Ethan Mohamed Timéo Théo Aaron Malo Nolan Rayan Ibrahim Enzo Axel Baptiste Mathis "
    "Yanis "
).split()
LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun "
    "Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud "
    "Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq "
    "Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin "
    "Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier "
    "Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly "
    "Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien Prévost Millet Perrot "
    "Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque "
    "Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud "
    "Rodriguez Guichard Gillet Étienne Grondin Poulain Tessier Chevallier Collin Chauvin Da "
    "Silva Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau Perret "
    "Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte Diallo "
    "Traoré Nguyen Benali Haddad Kone Ben Ahmed "
).split()

LYCEE_SUBJECTS = [
    "Français",
    "Mathématiques",
    "Histoire-Géographie",
    "Anglais",
    "Espagnol",
    "Allemand",
    "Physique-Chimie",
    "SVT",
    "SES",
    "EPS",
    "Philosophie",
    "Numérique et sciences informatiques",
]
COLLEGE_SUBJECTS = [
    "Français",
    "Mathématiques",
    "Histoire-Géographie",
    "Anglais",
    "Espagnol",
    "Allemand",
    "Physique-Chimie",
    "SVT",
    "Technologie",
    "EPS",
    "Arts plastiques",
    "Éducation musicale",
]
LANGUAGE_GROUPS = {"Espagnol": "LV2 Espagnol", "Allemand": "LV2 Allemand"}


def current_school_year_bounds(today: date | None = None) -> tuple[str, date, date]:
    today = today or timezone.localdate()
    start_year = today.year if today.month >= 8 else today.year - 1
    return (
        f"{start_year}-{start_year + 1}",
        date(start_year, 9, 1),
        date(start_year + 1, 7, 4),
    )


@dataclass
class PersonSpec:
    username: str
    first_name: str
    last_name: str


class SchoolBuilder:
    """Creates establishments with classes, groups, teachers, staff, students and parents.

    Usernames are made unique across the whole installation (prenom.nom, then prenom.nom2 …).
    Accounts get `password_hash` when given (demo logins) and an unusable password otherwise,
    like real accounts waiting for their activation letter.
    """

    def __init__(self, seed: int = 2020, password_hash: str | None = None):
        self.rng = random.Random(seed)
        self.User = get_user_model()
        self.password_hash = password_hash or make_password(None)
        self.taken = {name.lower() for name in self.User.objects.values_list("username", flat=True)}

    def unique_username(self, first: str, last: str) -> str:
        return unique_username(first, last, self.taken)

    def person(self, first: str | None = None, last: str | None = None) -> PersonSpec:
        first = first or self.rng.choice(FIRST_NAMES)
        last = last or self.rng.choice(LAST_NAMES)
        return PersonSpec(self.unique_username(first, last), first, last)

    def create_users(self, specs: list[PersonSpec], with_email: bool = False) -> list:
        users = [
            self.User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@example.org" if with_email else "",
                password=self.password_hash,
            )
            for spec in specs
        ]
        self.User.objects.bulk_create(users, batch_size=1000)
        by_name = {
            u.username: u
            for u in self.User.objects.filter(username__in=[s.username for s in specs])
        }
        return [by_name[spec.username] for spec in specs]

    def build_establishment(
        self,
        collectivity: Collectivity,
        *,
        name: str,
        uai: str,
        kind: str,
        city: str,
        class_names: list[str],
        students_per_class: int,
        teacher_count: int,
        student_count: int | None = None,
    ) -> Establishment:
        """One establishment with its current school year, its people and their links.

        Classes are filled `students_per_class` at a time; with `student_count`, that many pupils
        are created (at most `students_per_class` × the classes), the last class taking the rest.
        """
        establishment = Establishment.objects.create(
            collectivity=collectivity, name=name, uai=uai, kind=kind, city=city
        )
        year_name, starts_on, ends_on = current_school_year_bounds()
        year = SchoolYear.objects.create(
            establishment=establishment,
            name=year_name,
            starts_on=starts_on,
            ends_on=ends_on,
            is_current=True,
        )
        subject_names = COLLEGE_SUBJECTS if kind == Establishment.Kind.MIDDLE else LYCEE_SUBJECTS
        subjects = Subject.objects.bulk_create(
            [Subject(establishment=establishment, name=n) for n in subject_names]
        )
        classes = SchoolClass.objects.bulk_create(
            [
                SchoolClass(establishment=establishment, school_year=year, name=n)
                for n in class_names
            ]
        )
        groups = {
            subject: Group.objects.create(establishment=establishment, school_year=year, name=label)
            for subject, label in LANGUAGE_GROUPS.items()
        }

        teacher_users = self.create_users([self.person() for _ in range(teacher_count)], True)
        teachers = self.create_profiles(teacher_users, establishment, Profile.Role.TEACHER, "P")
        self.assign_teachings(teachers, subjects, classes, groups)

        if student_count is None:
            student_count = students_per_class * len(classes)
        if student_count > students_per_class * len(classes):
            raise ValueError("More pupils than the classes can hold.")
        student_specs = [self.person() for _ in range(student_count)]
        students = self.create_profiles(
            self.create_users(student_specs), establishment, Profile.Role.STUDENT, "E"
        )
        self.enrol(students, classes, groups, year, students_per_class)
        self.create_parents(students, establishment)
        return establishment

    def create_profiles(self, users, establishment, role, prefix, staff_function="") -> list:
        start = Profile.objects.filter(establishment=establishment, role=role).count()
        profiles = [
            Profile(
                user=user,
                role=role,
                staff_function=staff_function,
                establishment=establishment,
                external_id=f"{prefix}{start + i + 1:05d}",
            )
            for i, user in enumerate(users)
        ]
        Profile.objects.bulk_create(profiles, batch_size=1000)
        return list(
            Profile.objects.filter(establishment=establishment, role=role, user__in=users)
            .select_related("user")
            .order_by("external_id")
        )

    def assign_teachings(self, teachers, subjects, classes, groups) -> None:
        by_subject = {s.name: s for s in subjects}
        class_subjects = [name for name in by_subject if name not in LANGUAGE_GROUPS]
        teachings = []
        for k, subject_name in enumerate(class_subjects):
            # The teachers of one subject share its classes in contiguous blocks.
            colleagues = teachers[k :: len(class_subjects)] or [teachers[k % len(teachers)]]
            for i, school_class in enumerate(classes):
                teacher = colleagues[i * len(colleagues) // len(classes)]
                teachings.append(
                    TeachingAssignment(
                        teacher=teacher, subject=by_subject[subject_name], school_class=school_class
                    )
                )
        for offset, (subject_name, group) in enumerate(groups.items()):
            teacher = teachers[(len(teachers) - 1 - offset) % len(teachers)]
            teachings.append(
                TeachingAssignment(teacher=teacher, subject=by_subject[subject_name], group=group)
            )
        TeachingAssignment.objects.bulk_create(teachings, ignore_conflicts=True)
        for i, school_class in enumerate(classes):
            school_class.main_teacher = teachers[i % len(teachers)]
        SchoolClass.objects.bulk_update(classes, ["main_teacher"])

    def enrol(self, students, classes, groups, year, per_class) -> None:
        Enrolment.objects.bulk_create(
            [
                Enrolment(student=s, school_class=classes[i // per_class], school_year=year)
                for i, s in enumerate(students)
            ],
            batch_size=1000,
        )
        language_groups = list(groups.values())
        through = Group.members.through
        through.objects.bulk_create(
            [
                through(group_id=language_groups[i % len(language_groups)].pk, profile_id=s.pk)
                for i, s in enumerate(students)
            ],
            batch_size=1000,
        )

    def create_parents(self, students, establishment) -> None:
        """Two parents for most pupils, one for some; about one family in ten has two children."""
        specs, links = [], []
        index = 0
        while index < len(students):
            family = [students[index]]
            if self.rng.random() < 0.1 and index + 1 < len(students):
                family.append(students[index + 1])
            last_name = family[0].user.last_name
            for child in family[1:]:
                child.user.last_name = last_name
            parent_count = 1 if self.rng.random() < 0.25 else 2
            for p in range(parent_count):
                specs.append(self.person(last=last_name))
                links.append((len(specs) - 1, family, p == 0 or self.rng.random() < 0.9))
            index += len(family)
        self.User.objects.bulk_update([s.user for s in students], ["last_name"], batch_size=1000)
        parents = self.create_profiles(
            self.create_users(specs, with_email=True), establishment, Profile.Role.PARENT, "R"
        )
        by_username = {p.user.username: p for p in parents}
        ParentLink.objects.bulk_create(
            [
                ParentLink(
                    parent=by_username[specs[spec_index].username],
                    student=child,
                    is_legal_guardian=is_guardian,
                )
                for spec_index, family, is_guardian in links
                for child in family
            ],
            batch_size=1000,
        )
