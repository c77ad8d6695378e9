"""What each role's home page shows, computed in a handful of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

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


def student_overview(student: Profile) -> StudentOverview:
    enrolment = (
        Enrolment.objects.filter(student=student, school_year__is_current=True)
        .select_related("school_class__main_teacher__user")
        .first()
    )
    school_class = enrolment.school_class if enrolment else None
    groups = list(student.student_groups.filter(school_year__is_current=True))
    teachings = (
        TeachingAssignment.objects.filter(
            (Q(school_class=school_class) if school_class else Q(pk__in=[])) | Q(group__in=groups)
        )
        .select_related("subject", "teacher__user")
        .order_by("subject__name")
    )
    teachers = sorted({(t.subject.name, t.teacher.user.get_full_name()) for t in teachings})
    return StudentOverview(student, school_class, groups, teachers)


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


def tutored_students(tutor: Profile) -> list[StudentOverview]:
    links = TutorLink.objects.filter(tutor=tutor).select_related("student__user")
    return [student_overview(link.student) for link in links]
