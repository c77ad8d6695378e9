"""School structure and the profiles people hold in it.

Every row below an establishment carries its establishment, so that scoping a query to one
school is a plain filter and nothing leaks across tenants.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

uai_validator = RegexValidator(
    r"^[0-9]{7}[A-Z]$",
    _("Le code UAI comporte 7 chiffres suivis d'une lettre majuscule (ex. 0751234A)."),
)


class Collectivity(models.Model):
    class Kind(models.TextChoices):
        REGION = "region", _("Région")
        DEPARTMENT = "department", _("Département")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("collectivité")
        verbose_name_plural = _("collectivités")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Establishment(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", _("École")
        MIDDLE = "middle", _("Collège")
        HIGH = "high", _("Lycée")
        VOCATIONAL = "vocational", _("Lycée professionnel")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collectivity = models.ForeignKey(
        Collectivity, on_delete=models.PROTECT, related_name="establishments"
    )
    uai = models.CharField(_("code UAI"), max_length=8, unique=True, validators=[uai_validator])
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    city = models.CharField(_("commune"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def current_school_year(self) -> "SchoolYear | None":
        return self.school_years.filter(is_current=True).first()


class SchoolYear(models.Model):
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="school_years"
    )
    name = models.CharField(_("année scolaire"), max_length=9)  # "2026-2027"
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    is_current = models.BooleanField(_("en cours"), default=False)

    class Meta:
        verbose_name = _("année scolaire")
        verbose_name_plural = _("années scolaires")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "name"], name="unique_year_name"),
            models.UniqueConstraint(
                fields=["establishment"],
                condition=Q(is_current=True),
                name="one_current_year_per_establishment",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="subjects"
    )
    name = models.CharField(_("matière"), max_length=100)

    class Meta:
        verbose_name = _("matière")
        verbose_name_plural = _("matières")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "name"], name="unique_subject_name")
        ]

    def __str__(self) -> str:
        return self.name


class SchoolClass(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="classes"
    )
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(_("classe"), max_length=50)
    main_teacher = models.ForeignKey(
        "core.Profile",
        verbose_name=_("professeur principal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="main_classes",
    )

    class Meta:
        verbose_name = _("classe")
        verbose_name_plural = _("classes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="unique_class_name")
        ]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """A teaching group across classes (a language group, an option)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="groups"
    )
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("groupe"), max_length=80)
    members = models.ManyToManyField("core.Profile", related_name="student_groups", blank=True)

    class Meta:
        verbose_name = _("groupe")
        verbose_name_plural = _("groupes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="unique_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """One role a person holds in one establishment (or, for operators, one collectivité)."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Élève")
        PARENT = "parent", _("Parent")
        TEACHER = "teacher", _("Enseignant")
        STAFF = "staff", _("Personnel")
        OPERATOR = "operator", _("Opérateur de la collectivité")
        TUTOR = "tutor", _("Tuteur externe")

    class StaffFunction(models.TextChoices):
        DIRECTION = "direction", _("Direction")
        SCHOOL_LIFE = "school_life", _("Vie scolaire (CPE)")
        LIBRARIAN = "librarian", _("Documentaliste")
        ENT_ADMIN = "ent_admin", _("Administrateur ENT")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profiles"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    staff_function = models.CharField(
        _("fonction"), max_length=20, choices=StaffFunction.choices, blank=True
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, null=True, blank=True, related_name="profiles"
    )
    collectivity = models.ForeignKey(
        Collectivity, on_delete=models.CASCADE, null=True, blank=True, related_name="operators"
    )
    # The identifier of the person in the establishment's own files, used by imports.
    external_id = models.CharField(_("identifiant d'import"), max_length=64, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="operator", collectivity__isnull=False, establishment__isnull=True)
                    | (
                        ~Q(role="operator")
                        & Q(establishment__isnull=False, collectivity__isnull=True)
                    )
                ),
                name="profile_scope_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(role="staff", staff_function__gt="")
                | (~Q(role="staff") & Q(staff_function="")),
                name="staff_function_only_for_staff",
            ),
            models.UniqueConstraint(
                fields=["establishment", "role", "external_id"],
                condition=~Q(external_id=""),
                name="unique_external_id_per_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "establishment"],
                condition=Q(establishment__isnull=False),
                name="one_profile_per_role_and_establishment",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "collectivity"],
                condition=Q(collectivity__isnull=False),
                name="one_profile_per_role_and_collectivity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.label})"

    def clean(self) -> None:
        if self.role == self.Role.STAFF and not self.staff_function:
            raise ValidationError({"staff_function": _("Précisez la fonction du personnel.")})

    @property
    def label(self) -> str:
        if self.role == self.Role.STAFF:
            return str(self.get_staff_function_display())
        return str(self.get_role_display())

    @property
    def scope_name(self) -> str:
        scope = self.establishment or self.collectivity
        return str(scope)


class Enrolment(models.Model):
    """A student's place in one class for one school year."""

    student = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="enrolments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrolments"
    )
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year"], name="one_class_per_student_and_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student.user} → {self.school_class}"


class ParentLink(models.Model):
    """Links a parent profile to a student of the same establishment."""

    parent = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="child_links")
    student = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="parent_links")
    is_legal_guardian = models.BooleanField(_("responsable légal"), default=True)

    class Meta:
        verbose_name = _("lien de parenté")
        verbose_name_plural = _("liens de parenté")
        constraints = [
            models.UniqueConstraint(fields=["parent", "student"], name="unique_parent_link")
        ]

    def __str__(self) -> str:
        return f"{self.parent.user} → {self.student.user}"


class TeachingAssignment(models.Model):
    """A teacher teaches a subject to a class or to a group."""

    teacher = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="teachings")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="teachings")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, related_name="teachings"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="teachings"
    )

    class Meta:
        verbose_name = _("service d'enseignement")
        verbose_name_plural = _("services d'enseignement")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class__isnull=False, group__isnull=True)
                | Q(school_class__isnull=True, group__isnull=False),
                name="teaching_targets_class_or_group",
            ),
            models.UniqueConstraint(
                fields=["teacher", "subject", "school_class"],
                condition=Q(school_class__isnull=False),
                name="unique_class_teaching",
            ),
            models.UniqueConstraint(
                fields=["teacher", "subject", "group"],
                condition=Q(group__isnull=False),
                name="unique_group_teaching",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher.user}: {self.subject} ({self.school_class or self.group})"


class TutorLink(models.Model):
    """An external tutor follows a student (soutien scolaire)."""

    tutor = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="tutored_links")
    student = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="tutor_links")

    class Meta:
        verbose_name = _("suivi de tutorat")
        verbose_name_plural = _("suivis de tutorat")
        constraints = [
            models.UniqueConstraint(fields=["tutor", "student"], name="unique_tutor_link")
        ]

    def __str__(self) -> str:
        return f"{self.tutor.user} → {self.student.user}"
