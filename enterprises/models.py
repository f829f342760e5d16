from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.validators import validate_credit_code


class Enterprise(models.Model):
    """An enterprise of the registry, keyed by its unified social credit code."""

    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("name"), max_length=120, db_index=True)
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = self.credit_code.strip().upper()
        super().save(*args, **kwargs)


class Linkage(models.Model):
    """包联 (三联机制): an enterprise's linked leader, lead unit and cadres for one year."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="linkages"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name=_("linked leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_linkages",
    )
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="linkages",
    )
    cadres = models.ManyToManyField(
        "accounts.User", verbose_name=_("linked cadres"), blank=True, related_name="cadre_linkages"
    )

    class Meta:
        verbose_name = _("linkage")
        verbose_name_plural = _("linkages")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="one_linkage_per_enterprise_year")]

    def __str__(self):
        return f"{self.enterprise} · {self.year}"
