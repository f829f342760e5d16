from django.contrib import admin

from enterprises.models import Enterprise, Linkage


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "region"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]


@admin.register(Linkage)
class LinkageAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "year", "leader", "lead_unit"]
    list_filter = ["year"]
    autocomplete_fields = ["enterprise", "leader", "lead_unit", "cadres"]
    list_select_related = ["enterprise", "leader", "lead_unit"]
