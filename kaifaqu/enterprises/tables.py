import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import EnterpriseScaleChoices, EnterpriseStatusChoices
from .models import Enterprise

EMPTY = "—"  # django-tables2's default for an empty cell
STATUS_CSS = {"active": "text-bg-success", "moved_out": "text-bg-warning", "closed": "text-bg-secondary"}


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
        template_name = "enterprises/enterprise_table.html"  # writes the rows itself: see the template

    def render_name(self, record, value):
        if record.is_demo:
            return format_html('{} <span class="badge badge-demo">{}</span>', value, _("演示"))
        return value

    def render_status(self, record, value):
        return format_html('<span class="badge {}">{}</span>', STATUS_CSS.get(record.status, ""), value)

    def rows_html(self):
        """The page's rows as the columns above render them, written here in one pass: django-tables2's own row loop
        (an accessor, a signature inspection and attributes for every cell) and even a template loop over the
        fields took most of the list's server time (docs/performance.md). A column added above needs its cell here;
        the list's tests compare the two."""
        demo = format_html(' <span class="badge badge-demo">{}</span>', gettext("演示"))
        # labels in the user's language, translated once per page rather than once per row
        scales = {code: str(label) for code, label in EnterpriseScaleChoices.choices}
        statuses = {code: str(label) for code, label in EnterpriseStatusChoices.choices}
        return format_html_join(
            "\n",
            '<tr class="{}"><td><a href="{}">{}{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
            '<td><span class="badge {}">{}</span></td><td>{}</td></tr>',
            (
                (
                    "odd" if number % 2 else "even",
                    firm.get_absolute_url(),
                    firm.name,
                    demo if firm.is_demo else "",
                    firm.credit_code or EMPTY,
                    firm.zone or EMPTY,
                    firm.park or EMPTY,
                    firm.industry or EMPTY,
                    scales.get(firm.scale) or EMPTY,
                    STATUS_CSS.get(firm.status, ""),
                    statuses.get(firm.status, firm.status),
                    firm.founded_on.isoformat() if firm.founded_on else EMPTY,  # Y-m-d
                )
                for number, firm in enumerate(row.record for row in self.paginated_rows)
            ),
        )
