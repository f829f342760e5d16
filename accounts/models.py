import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TreeNode


class Region(TreeNode):
    """An administrative division (属地) with its GB/T 2260 code (6 digits down to county level; the
    statistics office's 9- and 12-digit codes for townships and villages)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        COUNTY = "county", _("county")
        TOWNSHIP = "township", _("township / street")
        VILLAGE = "village", _("village / community")

    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^(\d{6}|\d{9}|\d{12})$", _("A division code has 6, 9 or 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Unit(TreeNode):
    """An organisation that handles problems: a department, a township government, a park committee, a
    task force, or the coordinating office. Units form a tree under the jurisdiction."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("coordinating office")
        GOVERNMENT = "government", _("people's government")
        DEPARTMENT = "department", _("department")
        TOWNSHIP = "township", _("township / street")
        PARK = "park", _("park committee")
        TASK_FORCE = "task_force", _("task force")
        OTHER = "other", _("other")

    # Units whose responsibility is a territory (属地): they answer for the enterprises located there.
    TERRITORIAL_KINDS = (Kind.GOVERNMENT, Kind.TOWNSHIP, Kind.PARK)

    code = models.CharField(
        _("unit code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Use letters, digits, '-', '_' or '.' only."))],
        help_text=_("A short stable code used in imports and integrations, e.g. 430522-FGJ."),
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("The division the unit belongs to; for a township or park, the territory it answers for."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def is_territorial(self) -> bool:
        return self.kind in self.TERRITORIAL_KINDS


class Role(models.TextChoices):
    OFFICE = "office", _("coordinating office")
    LEADER = "leader", _("leader")
    UNIT_HEAD = "unit_head", _("unit head")
    UNIT_HANDLER = "unit_handler", _("unit handler")
    CADRE = "cadre", _("linked cadre")
    ENTERPRISE = "enterprise", _("enterprise user")
    AUDITOR = "auditor", _("auditor / viewer")


# Everyone who works for the government side: every role but the enterprise's own users.
STAFF_ROLES = frozenset(Role.values) - {Role.ENTERPRISE}


class Scope(models.TextChoices):
    """DESIGN.md §7: how far a role's view reaches."""

    ALL = "all", _("the whole jurisdiction")
    UNIT_TREE = "unit_tree", _("own unit and units below")
    UNIT = "unit", _("own unit only")
    LINKED = "linked", _("linked enterprises")
    OWN_ENTERPRISE = "own_enterprise", _("own enterprise")


DEFAULT_SCOPE = {
    Role.OFFICE: Scope.ALL,
    Role.LEADER: Scope.LINKED,
    Role.UNIT_HEAD: Scope.UNIT_TREE,
    Role.UNIT_HANDLER: Scope.UNIT,
    Role.CADRE: Scope.LINKED,
    Role.ENTERPRISE: Scope.OWN_ENTERPRISE,
    Role.AUDITOR: Scope.ALL,
}


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=40)
    title = models.CharField(_("job title"), max_length=40, blank=True)
    phone = models.CharField(
        _("mobile phone"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^1\d{10}$", _("A mobile number has 11 digits and starts with 1."))],
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("For enterprise users: the enterprise they act for."),
    )

    objects = UserManager()
    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username


class UserRole(models.Model):
    """One role a user holds. A user with several roles sees the union of their scopes."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    scope = models.CharField(
        _("data scope"),
        max_length=16,
        choices=Scope.choices,
        blank=True,
        help_text=_("Leave blank for the role's usual scope."),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"

    @property
    def effective_scope(self) -> str:
        return self.scope or DEFAULT_SCOPE[self.role]


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A token the office issues to an integration (a 12345 hotline, a provincial platform). Only its
    SHA-256 digest is stored: the token itself is shown once, when it is created."""

    PREFIX = "zq_"

    name = models.CharField(_("name"), max_length=80)
    user = models.ForeignKey(
        User,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The account whose roles and scope the integration gets."),
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("first characters"), max_length=12, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(raw: str) -> str:
        # Tokens are 256 random bits, so a fast digest is safe; a slow KDF would tax every API call.
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
