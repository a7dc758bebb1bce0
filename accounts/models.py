"""Who people are: customer companies and the users who sign in for them (or work for Foundry)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from common.append_only import AppendOnlyModel

from .time_zones import validate_time_zone, zone_name_of

IDLE_TIMEOUT_MIN_MINUTES = 5
IDLE_TIMEOUT_MAX_MINUTES = 24 * 60


class Company(models.Model):
    """A customer. Its people share the seats of the licenses it bought."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    account_manager = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_companies",
        limit_choices_to={"is_staff": True},
        help_text="The Foundry staff member customers contact about licenses.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Nobody of an inactive company can sign in."
    )
    idle_timeout = models.PositiveSmallIntegerField(
        "idle timeout (minutes)",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(IDLE_TIMEOUT_MIN_MINUTES),
            MaxValueValidator(IDLE_TIMEOUT_MAX_MINUTES),
        ],
        help_text="Minutes without activity before a seat is freed. Empty: the site default.",
    )
    # Blank is the site's zone (accounts.time_zones.zone_of), so a change of the site's zone
    # reaches every company that never chose one.
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text=(
            "The zone of the company's days and times: its usage report, ledger, pages, exports "
            "and emails. Empty: the site's time zone."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Its open seats, kept by the database itself (the license engine's triggers on its seats), so
    # a sign-in checks capacity without counting. Never written by application code.
    seats_in_use = models.IntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        permissions = [
            # Staff without it see only the companies they are account manager of (tenancy).
            ("view_all_companies", "Can see every customer company"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idle_timeout__isnull=True)
                | models.Q(
                    idle_timeout__gte=IDLE_TIMEOUT_MIN_MINUTES,
                    idle_timeout__lte=IDLE_TIMEOUT_MAX_MINUTES,
                ),
                name="company_idle_timeout_in_range",
                violation_error_message=(
                    f"The idle timeout must be between {IDLE_TIMEOUT_MIN_MINUTES} "
                    f"and {IDLE_TIMEOUT_MAX_MINUTES} minutes."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(seats_in_use__gte=0), name="company_seats_in_use_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The counter belongs to the database: a save from an instance loaded earlier (a form,
        # a script) must not write back the figure it read then.
        updating = not self._state.adding and not kwargs.get("force_insert")
        if updating and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "seats_in_use"
            ]
        super().save(*args, **kwargs)

    @property
    def zone_name(self) -> str:
        """The name of the zone its days and times are in (`accounts.time_zones.zone_name_of`),
        for pages and emails that name it."""
        return zone_name_of(self)

    def clean(self) -> None:
        if self.account_manager is not None and not self.account_manager.is_staff:
            raise ValidationError({"account_manager": "The account manager must be a staff user."})


def normalize_email(email: str) -> str:
    """Emails are stored and compared in lower case, without surrounding spaces: people type them
    in any case."""
    return email.strip().lower()


class UserQuerySet(models.QuerySet["User"]):
    def active_company_admins(self, company: Company | int | None = None) -> UserQuerySet:
        """Active company admins (of `company`, if given), by name: whom members ask, who may act
        for a company. The same predicate as `User.is_active_company_admin`."""
        admins = self.filter(company__isnull=False, role=User.Role.ADMIN, is_active=True)
        admins = admins.order_by("full_name", "email")
        return admins if company is None else admins.filter(company=company)


class CompanyEmailDomain(models.Model):
    """An email domain of a company, set by Foundry staff: the company's admins may add people
    with addresses there, and nowhere else."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="email_domains")
    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="The part after @, e.g. acme.example. One company per domain.",
        error_messages={"unique": "Another company already has this email domain."},
    )

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.normalize(self.domain)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.domain = self.normalize(self.domain)
        if "@" in self.domain or "." not in self.domain:
            raise ValidationError({"domain": "Enter a domain such as acme.example."})
        try:
            DomainNameValidator()(self.domain)
        except ValidationError:
            raise ValidationError({"domain": "Enter a domain such as acme.example."}) from None
        # Foundry's own people sign in there: a company admin must never add accounts at it.
        if User.objects.filter(is_staff=True, email__endswith=f"@{self.domain}").exists():
            raise ValidationError(
                {"domain": "Foundry staff use this domain: it cannot be a company's."}
            )

    @staticmethod
    def normalize(domain: str) -> str:
        """Domains are stored in lower case, without surrounding spaces or a leading @."""
        return normalize_email(domain).lstrip("@")

    @staticmethod
    def domain_of(email: str) -> str:
        """The domain of an email address, as domains are stored."""
        return CompanyEmailDomain.normalize(email.rpartition("@")[2])


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def active_company_admins(self, company: Company | int | None = None) -> UserQuerySet:
        return self.get_queryset().active_company_admins(company)

    def get_by_natural_key(self, username: str | None) -> User:
        # The username is the email address. None finds nobody, as in Django's own manager.
        return self.get(email=None if username is None else normalize_email(username))

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.update(is_staff=True, is_superuser=True, company=None)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    Company users (`company` set) hold a license seat while signed in; staff belong to no company
    and never take a seat.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "Company admin"
        MEMBER = "member", "Member"

    # Stored in lower case (see save), so this uniqueness is case-insensitive.
    email = models.EmailField(
        "email",
        max_length=254,
        unique=True,
        error_messages={"unique": "A user with this email address already exists."},
    )
    full_name = models.CharField(max_length=150)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Foundry staff: may use the admin site, belongs to no company.",
    )
    is_active = models.BooleanField(default=True)
    # Who deactivated the account and when; empty while active. A company admin may undo only
    # their own company's deactivations, not Foundry staff's.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(company__isnull=True)
                | models.Q(is_staff=False, is_superuser=False),
                name="user_staff_has_no_company",
                violation_error_message="Staff users and superusers belong to no company.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def takes_seat(self) -> bool:
        """Company users hold a license seat while signed in; staff never do."""
        return self.company_id is not None

    @property
    def own_company(self) -> Company:
        """The company of a company user (one who `takes_seat`). Staff belong to none, so asking
        for theirs is a programming error, not something to show."""
        if self.company is None:
            raise ValueError(f"{self} belongs to no company.")
        return self.company

    @property
    def own_company_id(self) -> int:
        """`own_company`'s id, without loading the company."""
        if self.company_id is None:
            raise ValueError(f"{self} belongs to no company.")
        return self.company_id

    @property
    def is_company_admin(self) -> bool:
        return self.company_id is not None and self.role == self.Role.ADMIN

    @property
    def is_active_company_admin(self) -> bool:
        """May act for their company now: the same predicate as `active_company_admins`."""
        return self.is_active and self.is_company_admin


class AccountChange(AppendOnlyModel):
    """An account deactivated or activated again: who did it, to whom, when. Append-only."""

    class Action(models.TextChoices):
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"

    class ActorRole(models.TextChoices):
        STAFF = "staff", "Foundry staff"
        COMPANY_ADMIN = "company_admin", "Company admin"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    actor_email = models.EmailField()
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="account_changes")
    user_email = models.EmailField()
    company = models.ForeignKey(
        Company, null=True, on_delete=models.PROTECT, related_name="account_changes"
    )
    company_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.action} {self.user_email} at {self.at:%Y-%m-%d %H:%M}"
