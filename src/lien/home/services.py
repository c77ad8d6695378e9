"""What each role's home page shows, computed in a handful of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q

from lien.core.models import (
    Enrolment,
    Establishment,
    Group,
    Profile,
    SchoolClass,
    TeachingAssignment,
    TutorLink,
)
from lien.core.policy import children_of


@dataclass
class StudentOverview:
    student: Profile
    school_class: SchoolClass | None
    groups: list[Group]
    teachers: list[tuple[str, str]]  # (subject, teacher's name), sorted by subject


@dataclass
class TeachingOverview:
    target: SchoolClass | Group
    subjects: list[str] = field(default_factory=list)
    is_main_class: bool = False


def student_overviews(students: list[Profile]) -> list[StudentOverview]:
    """Class, groups and teachers of each pupil, in four queries whatever their number."""
    enrolments = {
        e.student_id: e
        for e in Enrolment.objects.filter(
            student__in=students, school_year__is_current=True
        ).select_related("school_class__main_teacher__user")
    }
    memberships = Group.members.through.objects.filter(
        profile__in=students, group__school_year__is_current=True
    ).select_related("group")
    groups_of: dict[int, list[Group]] = defaultdict(list)
    for membership in memberships:
        groups_of[membership.profile_id].append(membership.group)
    class_ids = {e.school_class_id for e in enrolments.values()}
    group_ids = {g.pk for groups in groups_of.values() for g in groups}
    teachings = TeachingAssignment.objects.filter(
        Q(school_class_id__in=class_ids) | Q(group_id__in=group_ids)
    ).select_related("subject", "teacher__user")
    teachers_of_class: dict[int, set] = defaultdict(set)
    teachers_of_group: dict[int, set] = defaultdict(set)
    for teaching in teachings:
        entry = (teaching.subject.name, teaching.teacher.user.get_full_name())
        if teaching.school_class_id is not None:
            teachers_of_class[teaching.school_class_id].add(entry)
        elif teaching.group_id is not None:
            teachers_of_group[teaching.group_id].add(entry)

    overviews = []
    for student in students:
        enrolment = enrolments.get(student.pk)
        groups = sorted(groups_of[student.pk], key=lambda g: g.name)
        teachers = set(teachers_of_class[enrolment.school_class_id]) if enrolment else set()
        for group in groups:
            teachers |= teachers_of_group[group.pk]
        school_class = enrolment.school_class if enrolment else None
        overviews.append(StudentOverview(student, school_class, groups, sorted(teachers)))
    return overviews


def student_overview(student: Profile) -> StudentOverview:
    return student_overviews([student])[0]


def parent_overview(
    user, chosen_child_code: str | None
) -> tuple[list[Profile], StudentOverview | None]:
    children = list(children_of(user))
    chosen = next((c for c in children if str(c.code) == chosen_child_code), None)
    if chosen is None and children:
        chosen = children[0]
    return children, student_overview(chosen) if chosen else None


def teacher_overview(teacher: Profile) -> list[TeachingOverview]:
    teachings = (
        TeachingAssignment.objects.filter(teacher=teacher)
        .filter(
            Q(school_class__school_year__is_current=True) | Q(group__school_year__is_current=True)
        )
        .select_related("subject", "school_class", "group")
    )
    by_target: dict[object, TeachingOverview] = {}
    for teaching in teachings:
        target = teaching.school_class or teaching.group
        assert target is not None  # a database constraint guarantees one of them
        overview = by_target.setdefault(target, TeachingOverview(target))
        overview.subjects.append(teaching.subject.name)
    for school_class in SchoolClass.objects.filter(
        main_teacher=teacher, school_year__is_current=True
    ):
        by_target.setdefault(school_class, TeachingOverview(school_class)).is_main_class = True
    return sorted(
        by_target.values(),
        key=lambda o: (isinstance(o.target, Group), o.target.name),
    )


@dataclass
class ClassSummary:
    school_class: SchoolClass
    student_count: int
    activated_count: int


def class_summaries(establishment: Establishment) -> list[ClassSummary]:
    classes = (
        SchoolClass.objects.filter(establishment=establishment, school_year__is_current=True)
        .select_related("main_teacher__user")
        .annotate(
            student_count=Count("enrolments", distinct=True),
            activated_count=Count(
                "enrolments",
                filter=Q(enrolments__student__user__activated_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    return [ClassSummary(c, c.student_count, c.activated_count) for c in classes]


@dataclass
class EstablishmentSummary:
    establishment: Establishment
    class_count: int
    student_count: int
    teacher_count: int
    activated_share: int  # percent of accounts activated


def establishment_summaries(establishments) -> list[EstablishmentSummary]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Profile.objects.filter(establishment__in=establishments)
        .values("establishment_id", "role")
        .annotate(
            total=Count("id"), activated=Count("id", filter=Q(user__activated_at__isnull=False))
        )
    )
    for row in rows:
        counts[row["establishment_id"]][row["role"]] = row["total"]
        counts[row["establishment_id"]]["all"] += row["total"]
        counts[row["establishment_id"]]["activated"] += row["activated"]
    class_counts = dict(
        SchoolClass.objects.filter(establishment__in=establishments, school_year__is_current=True)
        .values_list("establishment_id")
        .annotate(Count("id"))
    )
    summaries = []
    for establishment in establishments:
        c = counts[establishment.pk]
        share = round(100 * c["activated"] / c["all"]) if c["all"] else 0
        summaries.append(
            EstablishmentSummary(
                establishment,
                class_counts.get(establishment.pk, 0),
                c[Profile.Role.STUDENT],
                c[Profile.Role.TEACHER],
                share,
            )
        )
    return summaries


SUMMARY_CACHE_SECONDS = 300


def collectivity_summaries(collectivity) -> list[EstablishmentSummary]:
    """The operator's table. Counting every account of a Région takes time that grows with
    it, and the figures need not be live: they are cached for a few minutes."""
    key = f"home:collectivity-summaries:{collectivity.code}"
    summaries = cache.get(key)
    if summaries is None:
        establishments = Establishment.objects.filter(collectivity=collectivity)
        summaries = establishment_summaries(list(establishments))
        cache.set(key, summaries, SUMMARY_CACHE_SECONDS)
    return summaries


def tutored_students(tutor: Profile) -> list[StudentOverview]:
    links = TutorLink.objects.filter(tutor=tutor).select_related("student__user")
    return student_overviews([link.student for link in links])
