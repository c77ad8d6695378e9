"""Class work for the demo school: a lesson with work to do and an assignment per class, and the
direction's news, written through each app's services as a teacher or the direction would."""

from datetime import timedelta

from django.utils import timezone

from lien.assignments import services as assignments
from lien.core.models import Establishment, Profile, TeachingAssignment
from lien.homework import services as homework
from lien.news import services as news
from lien.news.models import Audience


def seed_class_work(establishment: Establishment) -> None:
    today = timezone.localdate()
    for teaching in _one_teaching_per_class(establishment):
        teacher = teaching.teacher
        homework.do_create_entries(
            teacher.user,
            teacher,
            [teaching.school_class],
            homework.EntryDraft(
                subject=teaching.subject,
                lesson_date=today,
                title="Reprise du chapitre 4",
                content="Correction des exercices de la semaine ; début du chapitre 4.",
                visible_from=today,
            ),
            [
                homework.WorkDraft(
                    title="Exercices 3 et 4 p. 52",
                    due_date=today + timedelta(days=2),
                    estimated_minutes=30,
                )
            ],
        )
        assignments.check_save_assignment(
            teacher.user,
            assignments.AssignmentData(
                teaching=teaching,
                title="Compte rendu de lecture",
                instructions="Une page sur le livre lu ce trimestre, à rendre en PDF.",
                deadline=timezone.now() + timedelta(days=7),
            ),
        )
    direction = Profile.objects.get(
        establishment=establishment,
        role=Profile.Role.STAFF,
        staff_function=Profile.StaffFunction.DIRECTION,
    ).user
    for title, body in [
        ("Réunion parents-professeurs", "Jeudi à 18 h, dans le réfectoire."),
        ("Sortie au musée des Beaux-Arts", "Les classes de seconde, le 12 au matin."),
    ]:
        news.check_save_item(
            direction,
            establishment,
            news.ItemDraft(
                title=title, body=body, audiences=[Audience(kind=Audience.Kind.ESTABLISHMENT)]
            ),
            publish=True,
        )


def _one_teaching_per_class(establishment: Establishment) -> list[TeachingAssignment]:
    """The first teaching of each class, the demo teacher's (`enseignant`) where they have one."""
    chosen: dict[int, TeachingAssignment] = {}
    teachings = (
        TeachingAssignment.objects.filter(
            school_class__establishment=establishment, school_class__school_year__is_current=True
        )
        .select_related("teacher__user", "subject", "school_class__school_year")
        .order_by("school_class_id", "pk")
    )
    for teaching in teachings:
        current = chosen.get(teaching.school_class_id)
        if current is None or (
            teaching.teacher.user.username == "enseignant"
            and current.teacher.user.username != "enseignant"
        ):
            chosen[teaching.school_class_id] = teaching
    return list(chosen.values())
