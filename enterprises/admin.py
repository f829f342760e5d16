from django.contrib import admin

from enterprises.models import (
    AssistancePlan,
    CultivationPool,
    Enterprise,
    EnterpriseWarning,
    Industry,
    Linkage,
    MonthlyFigure,
    PlanGoal,
    PlanProgress,
    PoolMembership,
    Tag,
    Visit,
    VisitProblem,
)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "section"]
    list_filter = ["level", "section"]
    search_fields = ["code", "name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "region", "industry", "size", "above_scale", "warning_level"]
    list_filter = ["above_scale", "is_key", "size", "warning_level", "tags"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region", "park", "industry"]
    filter_horizontal = ["tags"]
    list_select_related = ["region", "industry"]
    readonly_fields = ["warning_level"]


@admin.register(MonthlyFigure)
class MonthlyFigureAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "period", "revenue", "total_profit", "electricity", "employees", "source"]
    list_filter = ["period", "source"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    autocomplete_fields = ["enterprise", "entered_by"]
    list_select_related = ["enterprise"]


class PoolMembershipInline(admin.TabularInline):
    model = PoolMembership
    autocomplete_fields = ["enterprise"]
    extra = 0


@admin.register(CultivationPool)
class CultivationPoolAdmin(admin.ModelAdmin):
    list_display = ["year", "kind", "target"]
    list_filter = ["year", "kind"]
    inlines = [PoolMembershipInline]


@admin.register(EnterpriseWarning)
class EnterpriseWarningAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "rule", "level", "created_at", "resolved_at"]
    list_filter = ["rule", "level"]
    search_fields = ["enterprise__name"]
    autocomplete_fields = ["enterprise", "created_by", "resolved_by"]
    list_select_related = ["enterprise"]


@admin.register(Linkage)
class LinkageAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "year", "leader", "lead_unit"]
    list_filter = ["year"]
    autocomplete_fields = ["enterprise", "leader", "lead_unit", "cadres"]
    list_select_related = ["enterprise", "leader", "lead_unit"]


class PlanGoalInline(admin.TabularInline):
    model = PlanGoal
    extra = 0


class PlanProgressInline(admin.TabularInline):
    model = PlanProgress
    extra = 0
    autocomplete_fields = ["author"]


@admin.register(AssistancePlan)
class AssistancePlanAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "year", "category", "status"]
    list_filter = ["year", "category", "status"]
    search_fields = ["enterprise__name"]
    autocomplete_fields = ["enterprise", "created_by"]
    list_select_related = ["enterprise"]
    inlines = [PlanGoalInline, PlanProgressInline]


class VisitProblemInline(admin.TabularInline):
    model = VisitProblem
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "visited_on", "visitor", "mode"]
    list_filter = ["mode", "visited_on"]
    search_fields = ["enterprise__name", "visitor__full_name"]
    autocomplete_fields = ["enterprise", "visitor", "unit"]
    list_select_related = ["enterprise", "visitor"]
    inlines = [VisitProblemInline]
