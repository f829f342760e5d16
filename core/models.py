from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

# Here rather than in core.workdays, which imports this module: the calendar days clear it when they change.
# v2: the cached value became {date: (is_workday, name)}; a new key keeps old entries in a shared cache unread.
CALENDAR_OVERRIDES_CACHE_KEY = "core:calendar-overrides:v2"


def forget_calendar_overrides() -> None:
    cache.delete(CALENDAR_OVERRIDES_CACHE_KEY)
    # Between the write and the commit another request can still read the old rows and cache them again.
    transaction.on_commit(lambda: cache.delete(CALENDAR_OVERRIDES_CACHE_KEY))
    from core.signals import calendar_changed

    calendar_changed.send(sender=CalendarDay)


def tree_path(parent_path: str | None, pk: int) -> str:
    """The materialised path of node `pk` under a parent with `parent_path` (None for a root). Zero-padded
    so that ordering by path lists a tree depth-first, siblings in creation order."""
    return f"{parent_path or '/'}{pk:08d}/"


class TreeNode(models.Model):
    """A node of a tree stored with a materialised path ("/3/17/42/") so that "this node and everything
    below it" is one indexed prefix query on SQLite and PostgreSQL alike."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            new_path = self._computed_path()
            if new_path != old_path:
                depth = new_path.count("/") - 2
                type(self).objects.filter(pk=self.pk).update(path=new_path, depth=depth)
                self.path, self.depth = new_path, depth
                if old_path:
                    self._move_descendants(old_path, new_path)

    def clean(self):
        super().clean()
        if self.parent_id and self.pk and (self.parent_id == self.pk or self.parent.path.startswith(self.path or "\0")):
            raise ValidationError({"parent": _("A node cannot be placed under itself or its own descendant.")})

    def _computed_path(self) -> str:
        return tree_path(self.parent.path if self.parent_id else None, self.pk)

    def _move_descendants(self, old_path: str, new_path: str) -> None:
        # Moving a subtree is rare (a reorganisation), so rewriting each descendant's path is fine.
        shift = new_path.count("/") - old_path.count("/")
        descendants = list(
            type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk).only("pk", "path", "depth")
        )
        for node in descendants:
            node.path = new_path + node.path[len(old_path) :]
            node.depth += shift
        type(self).objects.bulk_update(descendants, ["path", "depth"])

    def descendants(self, include_self: bool = True) -> models.QuerySet:
        qs = type(self).objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class CalendarDay(models.Model):
    """A day the office entered by hand: a holiday or a make-up workday. It overrides the
    chinesecalendar package, and is the only source for years the package does not cover yet."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"))
    name = models.CharField(_("name"), max_length=40, blank=True, help_text=_("e.g. 春节, 国庆节, 春节调休上班"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        kind = _("workday") if self.is_workday else _("rest day")
        return f"{self.date:%Y-%m-%d} {self.name or ''} ({kind})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_calendar_overrides()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        forget_calendar_overrides()
        return result


class CalendarYear(models.Model):
    """The office's statement that a year's official holiday schedule (国务院办公厅 notice) has been
    entered as calendar days. Until then deadlines in that year carry a visible warning."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    schedule_entered = models.BooleanField(_("official schedule entered"), default=False)
    source = models.CharField(_("source document"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


@receiver(post_delete, sender=CalendarDay)
def _forget_deleted_calendar_day(sender, **kwargs):
    # QuerySet.delete() (the admin's "delete selected") never calls CalendarDay.delete().
    forget_calendar_overrides()


class Notification(models.Model):
    """One message to one person on one channel: the outbox of core.notifications. A message is written
    here first, in the transaction of the change it reports, and delivered afterwards; a failed delivery
    stays here to be retried, so nothing is lost."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("in-app")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")
        WECOM = "wecom", _("WeCom")
        LOG = "log", _("log")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    recipient = models.ForeignKey(
        "accounts.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # What the message is about, e.g. "case:42:reminder": the scan sends one reminder, not one per run.
    topic = models.CharField(_("topic"), max_length=100, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "channel", "read_at"]),
        ]

    def __str__(self):
        return f"{self.recipient_id} · {self.channel} · {self.subject}"
