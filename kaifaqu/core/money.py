"""Money: Decimal in 万元 with 4 decimal places (exact to the yuan). Never float. And how figures are shown.

Stored: every amount is 万元, 4 places. Shown, three ways (docs/users/statistics.md says the same to users):

- headline (`format_wan`, template filter `|wan`): cards, sentences, messages. 亿元 with two decimals from 1亿
  (10,000万元; 9,999.995万 rounds to 1.00亿元), 万元 with two decimals below, thousands separated. The unit is
  in the user's language with the same digits: "86.49亿元" / "86.49 (RMB 100 million)", "5,321.40万元" /
  "5,321.40 (RMB 10,000)".
- tables (`money_in(value, unit)`, filter `|money_in:"亿元"`): the number only, in one unit per column, the unit
  stated once in the column header (`{% money_unit "亿元" %}` → "亿元" / "RMB 100 million"). Project investment in
  亿元, a firm's figures in 万元.
- counts (`format_figure` with a unit of `COUNT_UNITS`: 人/个/家/项): integers, thousands separated.

Form inputs show a stored figure without trailing zeros (`plain_decimal`: 3077.0000 → 3077); what is stored does
not change.
"""

from decimal import ROUND_HALF_UP, Decimal, DecimalException, InvalidOperation

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

WAN = Decimal("0.0001")
# Above any figure in 万元 (MoneyField holds up to 10^14): a larger input is refused before the arithmetic, whose
# 28-digit context cannot quantize it (1E+30 万元 to 4 places) and whose exponent range ends at 1E+999999.
TOO_LARGE = Decimal(10) ** 20

# Factor that converts one unit into 万元.
UNIT_FACTORS = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "万元": Decimal("1"),
    "亿元": Decimal("10000"),
}


class MoneyField(models.DecimalField):
    """万元 with 4 decimals: up to 10^14 万元, far above any enterprise or zone figure."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(*args, **kwargs)


def to_wan(value, unit="万元"):
    """Convert a figure in `unit` to 万元, rounded to 4 places. Raises ValueError on bad input."""
    if unit not in UNIT_FACTORS:
        raise ValueError(_("未知的金额单位"))
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as bad:
        raise ValueError(_("不是有效的数字")) from bad
    if not amount.is_finite():
        raise ValueError(_("不是有效的数字"))
    if amount.copy_abs() >= TOO_LARGE:  # copy_abs: abs() applies the context and overflows at 1E+1000000
        raise ValueError(_("数值过大"))
    try:
        return (amount * UNIT_FACTORS[unit]).quantize(WAN, rounding=ROUND_HALF_UP)
    except DecimalException as bad:  # not reached below TOO_LARGE; a figure is never an internal error
        raise ValueError(_("数值过大")) from bad


CENT = Decimal("0.01")
YI = Decimal(10000)  # 1亿元 in 万元

# Units a count is measured in: shown as integers.
COUNT_UNITS = frozenset({"人", "个", "家", "项", "户"})

# The names of the money units in the user's language (the English names are the catalogue's: "RMB 10,000").
UNIT_NAMES = {
    "元": _("元"),
    "千元": _("千元"),
    "万元": _("万元"),
    "亿元": _("亿元"),
}


def _decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())


def _rounded(value, places=CENT):
    return value.quantize(places, rounding=ROUND_HALF_UP)


def format_wan(value):
    """THE headline format of an amount in 万元: 亿元 from 10,000万 (after rounding), 万元 below; thousands
    separated, two decimals, the unit in the user's language ("86.49亿元" / "86.49 (RMB 100 million)")."""
    if value is None or value == "":
        return "—"
    value = _decimal(value)
    if abs(_rounded(value)) >= YI:  # 9999.995万 shows as 1.00亿元, never as "10,000.00万元"
        return gettext("%(amount)s亿元") % {"amount": f"{_rounded(value / YI):,}"}
    return gettext("%(amount)s万元") % {"amount": f"{_rounded(value):,}"}


def amount_in(value, unit="万元"):
    """An amount in 万元 as a Decimal in `unit`, two decimals (a chart's value beside a table in that unit); None
    stays None."""
    if value is None or value == "":
        return None
    if unit not in UNIT_FACTORS:
        raise ValueError(f"unknown money unit {unit!r}")
    return _rounded(_decimal(value) / UNIT_FACTORS[unit])


def money_in(value, unit="万元"):
    """An amount in 万元 as a number in `unit` (a table column's), two decimals, thousands separated; "—" for
    None. The unit is the column header's: see `unit_name`."""
    amount = amount_in(value, unit)
    return "—" if amount is None else f"{amount:,}"


def unit_name(unit):
    """A unit's name in the user's language ("亿元" / "RMB 100 million"); other units (人, 吨标准煤) as the
    catalogue names them, or as they are."""
    return str(UNIT_NAMES[unit]) if unit in UNIT_NAMES else gettext(unit) if unit else ""


def unit_in_brackets(unit):
    """A header's unit suffix: "（亿元）" / " (RMB 100 million)"."""
    return gettext("（%(unit)s）") % {"unit": unit_name(unit)}


def format_figure(value, unit="", places=2):
    """A statistic in `unit`: an integer for counts (人/个/家/项), an amount in 万元 converted to a money unit
    (`money_in`), else `places` decimals; thousands separated; "—" for None.
    `places=None` keeps up to 4 decimals without trailing zeros (the exact figure, money too, in 万元)."""
    if value is None or value == "":
        return "—"
    value = _decimal(value)
    if unit in UNIT_FACTORS and places is not None:  # an amount in 万元 shown in the column's money unit
        return money_in(value, unit)
    if unit in COUNT_UNITS:
        return f"{_rounded(value, Decimal(1)):,}"
    if places is None:
        return f"{plain_decimal(_rounded(value, WAN)):,}"
    return f"{_rounded(value, Decimal(1).scaleb(-places)):,}"


def plain_decimal(value):
    """A Decimal without trailing zeros and never in exponent form: 3077.0000 → 3077, 12.5000 → 12.5. What a form
    input shows of a stored figure."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return value
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return normal.quantize(Decimal(1))
    return normal


def format_amounts(*values, unit="万元"):
    """Figures compared in one message, each as `format_quantity`; when two that differ would read the same (300.0001
    and 300.0000 both "300.00万元"), all are shown exactly (up to 4 decimals) so the message still says which is
    larger."""
    shown = [format_quantity(v, unit) for v in values]
    differ = len({_decimal(v) for v in values if v is not None}) > 1
    if differ and len(set(shown)) < len(shown):
        return [format_quantity(v, unit, exact=True) for v in values]
    return shown


def format_quantity(value, unit, exact=False):
    """A statistic in a sentence, with its unit: money (stored in 万元) as `format_wan` (`exact`: in 万元 with up to
    4 decimals), others as reported with the unit's name ("3,077 人" / "3,077 persons")."""
    if value is None or value == "":
        return "—"
    if unit in UNIT_FACTORS and exact:
        return gettext("%(amount)s万元") % {"amount": format_figure(value, unit, places=None)}
    if unit in UNIT_FACTORS:
        return format_wan(value)
    return f"{format_figure(value, unit, places=None)} {unit_name(unit)}".strip()
