import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Enterprise


class EnterpriseTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("企业名称"))
    credit_code = tables.Column(verbose_name=_("统一社会信用代码"))
    zone = tables.Column(verbose_name=_("开发区"), order_by=("zone__name",))
    park = tables.Column(verbose_name=_("园区"), order_by=("park__name",))
    industry = tables.Column(verbose_name=_("行业"), order_by=("industry_id",))
    scale = tables.Column(verbose_name=_("规模"))
    status = tables.Column(verbose_name=_("状态"))
    founded_on = tables.DateColumn(format="Y-m-d", verbose_name=_("成立日期"))

    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "zone", "park", "industry", "scale", "status", "founded_on"]
        attrs = {"class": "table table-sm table-hover", "id": "enterprise-table"}
        empty_text = _("没有符合条件的企业")

    def render_name(self, record, value):
        if record.is_demo:
            return format_html('{} <span class="badge badge-demo">{}</span>', value, _("演示"))
        return value

    def render_status(self, record, value):
        css = {"active": "text-bg-success", "moved_out": "text-bg-warning", "closed": "text-bg-secondary"}
        return format_html('<span class="badge {}">{}</span>', css.get(record.status, ""), value)
