from django.contrib import admin

from kaifaqu.accounts.admin import SystemAdminModelAdmin

from .models import DataSet, DataSetIndicator, Indicator, PriceIndex, ValidationRule


class DataSetIndicatorInline(admin.TabularInline):
    model = DataSetIndicator
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(SystemAdminModelAdmin):
    list_display = ["code", "name", "name_en", "unit", "kind", "is_money", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(DataSet)
class DataSetAdmin(SystemAdminModelAdmin):
    list_display = ["code", "name", "name_en", "period_type", "january_exempt", "deadline_day", "lock_after_deadline"]
    inlines = [DataSetIndicatorInline]


@admin.register(ValidationRule)
class ValidationRuleAdmin(SystemAdminModelAdmin):
    list_display = ["name", "name_en", "kind", "left", "operator", "right", "severity", "is_active"]
    list_filter = ["kind", "severity", "is_active"]


@admin.register(PriceIndex)
class PriceIndexAdmin(SystemAdminModelAdmin):
    list_display = ["period", "index", "note"]
