"""Checks against the database, then writes: accounts, enrolments, links and teaching services.

Everything here runs inside the import's transaction. Each step compares what the file says with
what the database holds and writes only the differences, so that importing the same files twice
writes nothing the second time.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils.translation import gettext as _

from lien.core.models import (
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
from lien.directory.importing.base import ImportKind, ImportProblem
from lien.directory.importing.records import (
    ParentRecord,
    Person,
    Records,
    StudentRecord,
    TeacherRecord,
)
from lien.directory.importing.report import LISTED_REMOVALS, Removals
from lien.directory.models import Contact
from lien.lib.usernames import unique_username

Role = Profile.Role
BATCH_SIZE = 200

Progress = Callable[[int], None]


@dataclass
class FileNames:
    """The name of each file of the import, for the problems found in it."""

    by_kind: dict[str, str]

    def problem(self, kind: str, line: int | None, message: str) -> ImportProblem:
        return ImportProblem(kind, self.by_kind.get(kind, ""), line, message)


def check_references(
    establishment: Establishment,
    year: SchoolYear,
    records: Records,
    students_readable: bool,
    names: FileNames,
) -> list[ImportProblem]:
    """The pupils, classes and groups the files name must exist, in the files or in the database.

    When the pupils' file was given but could not be read, references to it are not checked:
    its own problems say enough.
    """
    problems: list[ImportProblem] = []
    if records.parents and students_readable:
        cited = {r.student_id for r in records.parents if r.student_id}
        known = {r.external_id for r in records.students} | set(
            Profile.objects.filter(
                establishment=establishment, role=Role.STUDENT, external_id__in=cited
            ).values_list("external_id", flat=True)
        )
        for link in records.parents:
            if link.student_id and link.student_id not in known:
                problems.append(
                    names.problem(
                        ImportKind.PARENTS,
                        link.line,
                        _("aucun élève n'a l'identifiant « %(id)s ».") % {"id": link.student_id},
                    )
                )
    if records.teachers and students_readable:
        classes = {r.class_name for r in records.students} | set(
            year.classes.values_list("name", flat=True)
        )
        groups = {name for r in records.students for name in r.group_names} | set(
            year.groups.values_list("name", flat=True)
        )
        for teacher in records.teachers:
            unknown = [
                _("la classe « %(name)s » n'existe pas en %(year)s.")
                % {"name": name, "year": year.name}
                for name in teacher.class_names
                if name not in classes
            ]
            unknown += [
                _("le groupe « %(name)s » n'existe pas en %(year)s.")
                % {"name": name, "year": year.name}
                for name in teacher.group_names
                if name not in groups
            ]
            if teacher.main_class and teacher.main_class not in classes:
                unknown.append(
                    _("la classe « %(name)s » (professeur principal) n'existe pas en %(year)s.")
                    % {"name": teacher.main_class, "year": year.name}
                )
            problems += [
                names.problem(ImportKind.TEACHERS, teacher.line, message) for message in unknown
            ]
    return problems


class Applier:
    """Writes the records of an import for one establishment and one school year."""

    def __init__(self, establishment: Establishment, year: SchoolYear, progress: Progress | None):
        self.establishment = establishment
        self.year = year
        self.progress = progress
        self.done_rows = 0
        self.report: dict[str, Counter[str]] = {}
        self.User = get_user_model()
        self.taken_usernames: set[str] | None = None
        self.removals = Removals()

    def tick(self, rows: int) -> None:
        self.done_rows += rows
        if self.progress is not None:
            self.progress(self.done_rows)

    # People

    def sync_people(self, role: str, records: Iterable[Person]) -> dict[str, Profile]:
        """Create or update the accounts the records name; their profiles by external id.

        A person on several lines (a parent of two pupils) counts once. An empty e-mail, phone
        or birth date in the file never erases one already known.
        """
        people: dict[str, Person] = {}
        lines: Counter[str] = Counter()
        for record in records:
            people.setdefault(record.external_id, record)
            lines[record.external_id] += 1
        existing = {
            profile.external_id: profile
            for profile in Profile.objects.filter(establishment=self.establishment, role=role)
            .exclude(external_id="")
            .select_related("user", "contact")
        }
        counts = self.report.setdefault(role, Counter())
        people_list = list(people.values())
        for start in range(0, len(people_list), BATCH_SIZE):
            batch = people_list[start : start + BATCH_SIZE]
            self.sync_batch(role, batch, existing, counts)
            self.tick(sum(lines[person.external_id] for person in batch))
        return {external_id: existing[external_id] for external_id in people}

    def sync_batch(self, role, batch: list[Person], existing: dict, counts: Counter) -> None:
        new_profiles: list[Profile] = []
        changed_users, changed_profiles, contacts = [], [], []  # contacts: new or changed
        for person in batch:
            profile = existing.get(person.external_id)
            if profile is None:
                profile = self.new_profile(role, person)
                new_profiles.append(profile)
                existing[person.external_id] = profile
                counts["created"] += 1
                continue
            user_changed = self.update_user(profile.user, person)
            profile_changed = self.update_profile(profile, person)
            contact = self.updated_contact(profile, person)
            if user_changed:
                changed_users.append(profile.user)
            if profile_changed:
                changed_profiles.append(profile)
            if contact is not None:
                contacts.append(contact)
            changed = user_changed or profile_changed or contact is not None
            counts["updated" if changed else "unchanged"] += 1
        if new_profiles:
            self.User.objects.bulk_create([profile.user for profile in new_profiles])
            for profile in new_profiles:
                profile.user_id = profile.user.pk
            Profile.objects.bulk_create(new_profiles)
            contacts += [
                Contact(profile=profile, phone=person.phone)
                for profile, person in zip(
                    new_profiles, self.people_of(new_profiles, batch), strict=True
                )
                if isinstance(person, ParentRecord) and person.phone
            ]
        if changed_users:
            self.User.objects.bulk_update(changed_users, ["first_name", "last_name", "email"])
        if changed_profiles:
            Profile.objects.bulk_update(changed_profiles, ["birth_date"])
        if any(contact.pk is None for contact in contacts):
            Contact.objects.bulk_create([contact for contact in contacts if contact.pk is None])
        if any(contact.pk is not None for contact in contacts):
            Contact.objects.bulk_update([c for c in contacts if c.pk is not None], ["phone"])

    @staticmethod
    def people_of(profiles: list[Profile], batch: list[Person]) -> list[Person]:
        by_id = {person.external_id: person for person in batch}
        return [by_id[profile.external_id] for profile in profiles]

    def new_profile(self, role: str, person: Person) -> Profile:
        if self.taken_usernames is None:
            self.taken_usernames = {
                name.lower() for name in self.User.objects.values_list("username", flat=True)
            }
        user = self.User(
            username=unique_username(person.first_name, person.last_name, self.taken_usernames),
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            # Unusable until the person activates the account with their letter's code.
            password=make_password(None),
        )
        return Profile(
            user=user,
            role=role,
            establishment=self.establishment,
            external_id=person.external_id,
            birth_date=person.birth_date if isinstance(person, StudentRecord) else None,
        )

    @staticmethod
    def update_user(user, person: Person) -> bool:
        wanted = {"first_name": person.first_name, "last_name": person.last_name}
        if person.email:
            wanted["email"] = person.email
        changed = False
        for name, value in wanted.items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        return changed

    @staticmethod
    def update_profile(profile: Profile, person: Person) -> bool:
        born = person.birth_date if isinstance(person, StudentRecord) else None
        if born is None or profile.birth_date == born:
            return False
        profile.birth_date = born
        return True

    @staticmethod
    def updated_contact(profile: Profile, person: Person) -> Contact | None:
        """The contact to save when the file brings a new phone number, else None."""
        if not isinstance(person, ParentRecord) or not person.phone:
            return None
        # The reverse one-to-one raises an AttributeError subclass when there is no contact.
        contact = getattr(profile, "contact", None) or Contact(profile=profile)
        if contact.phone == person.phone:
            return None
        contact.phone = person.phone
        return contact

    # Pupils: classes, groups, enrolments

    def apply_students(self, records: list[StudentRecord], columns: set[str]) -> None:
        profiles = self.sync_people(Role.STUDENT, records)
        counts = self.report[Role.STUDENT]
        classes = self.ensure_named(
            SchoolClass, {r.class_name for r in records}, counts, "classes_created"
        )
        wanted = {profiles[r.external_id].pk: classes[r.class_name] for r in records}
        moved, leaving = [], []
        enrolled = 0
        for enrolment in Enrolment.objects.filter(school_year=self.year):
            enrolled += 1
            school_class = wanted.pop(enrolment.student_id, None)
            if school_class is None:
                # A pupil of this year whom the file no longer lists has left the establishment.
                leaving.append(enrolment)
            elif enrolment.school_class_id != school_class.pk:
                enrolment.school_class = school_class
                moved.append(enrolment)
        new = [
            Enrolment(student_id=student_id, school_class=school_class, school_year=self.year)
            for student_id, school_class in wanted.items()
        ]
        self.removals = Removals(len(leaving), enrolled, self.describe_leaving(leaving))
        if leaving:
            Enrolment.objects.filter(pk__in=[e.pk for e in leaving]).delete()
        if moved:
            Enrolment.objects.bulk_update(moved, ["school_class"])
        if new:
            Enrolment.objects.bulk_create(new)
        counts["enrolled"], counts["moved"], counts["removed"] = len(new), len(moved), len(leaving)
        if "groupes" in columns:
            self.apply_memberships(records, profiles, counts)
        else:
            # Without a groups column memberships stay as they are, except for those who left.
            through = Group.members.through
            gone = through.objects.filter(
                group__school_year=self.year, profile_id__in=[e.student_id for e in leaving]
            )
            counts["memberships_removed"] = gone.count() if leaving else 0
            if counts["memberships_removed"]:
                gone.delete()

    @staticmethod
    def describe_leaving(leaving: list[Enrolment]) -> list[dict]:
        """The first pupils who leave, by class then name, as the preview lists them."""
        if not leaving:
            return []
        enrolments = (
            Enrolment.objects.filter(pk__in=[e.pk for e in leaving])
            .select_related("student__user", "school_class")
            .order_by(
                "school_class__name", "student__user__last_name", "student__user__first_name", "pk"
            )[:LISTED_REMOVALS]
        )
        return [
            {
                "last_name": enrolment.student.user.last_name,
                "first_name": enrolment.student.user.first_name,
                "class_name": enrolment.school_class.name,
                "external_id": enrolment.student.external_id,
            }
            for enrolment in enrolments
        ]

    def apply_memberships(self, records, profiles, counts) -> None:
        groups = self.ensure_named(
            Group, {name for r in records for name in r.group_names}, counts, "groups_created"
        )
        wanted = {
            (groups[name].pk, profiles[r.external_id].pk) for r in records for name in r.group_names
        }
        through = Group.members.through
        existing = {
            (group_id, profile_id): pk
            for pk, group_id, profile_id in through.objects.filter(
                group__school_year=self.year, profile__role=Role.STUDENT
            ).values_list("pk", "group_id", "profile_id")
        }
        obsolete = [pk for key, pk in existing.items() if key not in wanted]
        missing = [key for key in wanted if key not in existing]
        if obsolete:
            through.objects.filter(pk__in=obsolete).delete()
        if missing:
            through.objects.bulk_create(
                [
                    through(group_id=group_id, profile_id=profile_id)
                    for group_id, profile_id in missing
                ]
            )
        counts["memberships_added"], counts["memberships_removed"] = len(missing), len(obsolete)

    def ensure_named(self, model, names: set[str], counts: Counter, counter: str) -> dict:
        """The classes (or groups) of the year by name, creating those missing."""
        existing = {item.name: item for item in model.objects.filter(school_year=self.year)}
        missing = sorted(names - set(existing))
        if missing:
            created = model.objects.bulk_create(
                [
                    model(establishment=self.establishment, school_year=self.year, name=name)
                    for name in missing
                ]
            )
            existing.update({item.name: item for item in created})
        counts[counter] = len(missing)
        return existing

    # Parents and their links to pupils

    def apply_parents(self, records: list[ParentRecord]) -> None:
        parents = self.sync_people(Role.PARENT, records)
        counts = self.report[Role.PARENT]
        students = {
            profile.external_id: profile.pk
            for profile in Profile.objects.filter(
                establishment=self.establishment,
                role=Role.STUDENT,
                external_id__in={r.student_id for r in records},
            )
        }
        wanted = {
            (parents[r.external_id].pk, students[r.student_id]): r.is_legal_guardian
            for r in records
        }
        # The pupils the file names get exactly the parents it gives them; others keep theirs.
        existing = {
            (link.parent_id, link.student_id): link
            for link in ParentLink.objects.filter(student_id__in=set(students.values()))
        }
        changed, obsolete = [], []
        for key, link in existing.items():
            if key not in wanted:
                obsolete.append(link.pk)
            elif wanted[key] is not None and link.is_legal_guardian != wanted[key]:
                link.is_legal_guardian = bool(wanted[key])
                changed.append(link)
        new = [
            ParentLink(
                parent_id=parent_id, student_id=student_id, is_legal_guardian=legal is not False
            )
            for (parent_id, student_id), legal in wanted.items()
            if (parent_id, student_id) not in existing
        ]
        if obsolete:
            ParentLink.objects.filter(pk__in=obsolete).delete()
        if changed:
            ParentLink.objects.bulk_update(changed, ["is_legal_guardian"])
        if new:
            ParentLink.objects.bulk_create(new)
        counts["links_created"] = len(new)
        counts["links_updated"] = len(changed)
        counts["links_removed"] = len(obsolete)

    # Teachers: subjects, teaching services, main teachers

    def apply_teachers(self, records: list[TeacherRecord], columns: set[str]) -> None:
        teachers = self.sync_people(Role.TEACHER, records)
        counts = self.report[Role.TEACHER]
        subjects = self.ensure_subjects({r.subject for r in records if r.subject}, counts)
        classes = {c.name: c for c in SchoolClass.objects.filter(school_year=self.year)}
        groups = {g.name: g for g in Group.objects.filter(school_year=self.year)}
        # A column missing from the file leaves what it would describe untouched.
        targets = Q(pk__in=[])
        wanted: set[tuple[int, int, int | None, int | None]] = set()
        for record in records:
            teacher_id = teachers[record.external_id].pk
            if not record.subject:
                continue
            subject_id = subjects[record.subject.lower()].pk
            if "classes" in columns:
                wanted |= {
                    (teacher_id, subject_id, classes[n].pk, None) for n in record.class_names
                }
            if "groupes" in columns:
                wanted |= {(teacher_id, subject_id, None, groups[n].pk) for n in record.group_names}
        if "classes" in columns:
            targets |= Q(school_class__school_year=self.year)
        if "groupes" in columns:
            targets |= Q(group__school_year=self.year)
        existing = {
            (t.teacher_id, t.subject_id, t.school_class_id, t.group_id): t.pk
            for t in TeachingAssignment.objects.filter(
                targets, teacher__establishment=self.establishment
            )
        }
        obsolete = [pk for key, pk in existing.items() if key not in wanted]
        missing = sorted(wanted - set(existing), key=lambda key: tuple(k or 0 for k in key))
        if obsolete:
            TeachingAssignment.objects.filter(pk__in=obsolete).delete()
        if missing:
            TeachingAssignment.objects.bulk_create(
                [
                    TeachingAssignment(
                        teacher_id=teacher, subject_id=subject, school_class_id=cls, group_id=group
                    )
                    for teacher, subject, cls, group in missing
                ]
            )
        counts["teachings_created"], counts["teachings_removed"] = len(missing), len(obsolete)
        if "professeur_principal" in columns:
            self.apply_main_teachers(records, teachers, classes, counts)

    def ensure_subjects(self, names: set[str], counts: Counter) -> dict[str, Subject]:
        """The establishment's subjects by lowercased name, creating those missing."""
        existing = {
            s.name.lower(): s for s in Subject.objects.filter(establishment=self.establishment)
        }
        missing: dict[str, str] = {}
        for name in sorted(names):
            if name.lower() not in existing:
                missing.setdefault(name.lower(), name)
        if missing:
            created = Subject.objects.bulk_create(
                [Subject(establishment=self.establishment, name=name) for name in missing.values()]
            )
            existing.update({s.name.lower(): s for s in created})
        counts["subjects_created"] = len(missing)
        return existing

    def apply_main_teachers(self, records, teachers, classes, counts) -> None:
        """Each class of the year gets the main teacher the file names, or none."""
        wanted = {r.main_class: teachers[r.external_id].pk for r in records if r.main_class}
        changed = []
        for name, school_class in classes.items():
            if school_class.main_teacher_id != wanted.get(name):
                school_class.main_teacher_id = wanted.get(name)
                changed.append(school_class)
        if changed:
            SchoolClass.objects.bulk_update(changed, ["main_teacher"])
        counts["main_teachers_changed"] = len(changed)
