""".xlsx exports of the leaders' pages (the dashboard and the region ranking), through kaifaqu.core.exports.

What the page shows is what the file holds: suppressed cells are empty with their reason, and firm rows are only
written for viewers entitled to individual figures (the view passes none otherwise).
"""

from django.utils.translation import gettext as _

from kaifaqu.core.exports import add_table_sheet, workbook_response, write_only_workbook
from kaifaqu.core.periods import cumulative_label, format_period


def cell_values(cell):
    return [
        cell.current,
        cell.previous,
        cell.growth_pct,
        cell.published,
        cell.published_growth_pct,
        cell.share_pct,
        cell.expected,
        cell.firms,
        cell.without_base,
        "；".join(part for part in (cell.reason, cell.completeness_note) if part),
    ]


def cell_headers(first):
    return [
        first,
        _("1—N月"),
        _("上年同期（同口径）"),
        _("同口径增速%"),
        _("上年公布数"),
        _("按上年公布数计算的增速%"),
        _("占比%"),
        _("应报企业数"),
        _("已报企业数"),
        _("缺上年同期企业数"),
        _("说明"),
    ]


CELL_WIDTHS = (16, 18, 12, 18, 14, 10, 10, 10, 12, 40)


def reconciliation_lines(table):
    """The 口径差 as rows of the notes sheet (entitled viewers only: the view passes none otherwise)."""
    if table is None:
        return []
    lines = [[_("上年公布数"), table.published]]
    for sign, label, amount, firms in table.lines.values():
        if firms:
            names = "、".join(f.name for f in firms)
            lines.append([f"{'−' if sign < 0 else '+'} {label}（{len(firms)}）", f"{amount}：{names}"])
    lines.append([_("同口径上年同期"), table.comparable])
    return lines


def dashboard_workbook(*, zone, period, indicator, data, rows, headline):
    book = write_only_workbook()
    label = f"{format_period(period)}（{cumulative_label(period)}）"
    add_table_sheet(
        book,
        _("主要指标"),
        cell_headers(_("指标")),
        ([card["indicator"].name, *cell_values(card["cell"])] for card in data["cards"]),
        widths=(22, *CELL_WIDTHS),
    )
    add_table_sheet(
        book,
        _("目标完成"),
        [
            _("指标"),
            _("单位"),
            label,
            _("同口径增速%"),
            _("按上年公布数计算的增速%"),
            _("全年目标"),
            _("完成目标%"),
            _("超/低于时序进度（百分点）"),
        ],
        (
            [
                r.indicator.name,
                r.indicator.unit,
                r.cell.current,
                r.cell.growth_pct,
                r.cell.published_growth_pct,
                r.target,
                r.completion_pct,
                r.schedule_gap,
            ]
            for r in headline
        ),
        widths=(22, 10, 16, 12, 16, 16, 12, 18),
    )
    summary = data["summary"]
    for title, cells in ((_("分园区"), data["by_park"]), (_("分行业"), data["by_industry"])):
        add_table_sheet(
            book,
            title,
            cell_headers(title),
            [*([c.label, *cell_values(c)] for c in cells), [_("合计"), *cell_values(summary.total)]],
            widths=(30, *CELL_WIDTHS),
        )
    trend = data["trend"]
    add_table_sheet(
        book,
        _("月度走势"),
        [_("月份"), _("%(year)s年") % {"year": period // 100}, _("%(year)s年") % {"year": period // 100 - 1}],
        ([f"{m}", this, last] for m, this, last in zip(trend["months"], trend["this"], trend["last"], strict=True)),
        widths=(10, 18, 18),
    )
    if rows:
        add_table_sheet(
            book,
            _("企业明细"),
            [
                _("企业名称"),
                _("园区"),
                _("行业代码"),
                label,
                _("上年同期（增速基数）"),
                _("企业填报的上年同期"),
                _("系统中上年同期数"),
                _("同比增长%"),
                _("拉动（百分点）"),
                _("占比%"),
            ],
            (
                [
                    r.name,
                    r.park,
                    r.industry,
                    r.current,
                    r.previous,
                    r.reported_prior,
                    r.stored_prior,
                    r.growth_pct,
                    r.contribution_pct,
                    r.share_pct,
                ]
                for r in rows
            ),
            widths=(36, 20, 10, 16, 16, 16, 16, 12, 14, 10),
        )
    add_table_sheet(
        book,
        _("说明"),
        [_("项目"), _("内容")],
        [
            [_("开发区"), str(zone)],
            [_("报告期"), label],
            [_("指标"), f"{indicator.name}（{indicator.unit}）"],
            [_("增速口径"), summary.price_basis or _("现价")],
            [_("统计口径"), summary.scope_note],
            [
                _("同口径增速"),
                _("本年名录企业本期数与同一批企业的上年同期数相比（企业填报的上年同期，未填报的取系统中上年同期数）"),
            ],
            [_("按上年公布数计算的增速"), _("本期合计与上年名录企业当时的合计数相比")],
            [_("完整性"), summary.total.completeness_note or _("应报企业均已报送")],
            *reconciliation_lines(data.get("reconciliation")),
        ],
        widths=(16, 80),
    )
    return workbook_response(book, f"{zone}-{indicator.name}-{format_period(period)}.xlsx")


def ranking_workbook(*, rows, period, indicator, order):
    book = write_only_workbook()
    add_table_sheet(
        book,
        _("开发区排名"),
        [
            _("开发区"),
            _("1—N月"),
            _("上年同期（同口径）"),
            _("同比增长%"),
            _("占比%"),
            _("企业数"),
            _("数值排名"),
            _("增速排名"),
        ],
        (
            [
                r.zone.name,
                r.cell.current,
                r.cell.previous,
                r.cell.growth_pct,
                r.cell.share_pct,
                r.cell.firms,
                r.rank_value,
                r.rank_growth,
            ]
            for r in rows
        ),
        widths=(30, 16, 18, 12, 10, 10, 10, 10),
    )
    return workbook_response(book, f"{_('开发区排名')}-{indicator.name}-{format_period(period)}.xlsx")
