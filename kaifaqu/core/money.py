"""Money: Decimal in 万元 with 4 decimal places (exact to the yuan). Never float."""

from decimal import ROUND_HALF_UP, Decimal, DecimalException, InvalidOperation

from django.db import models
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


def format_wan(value):
    """Display 万元 the way reports do: 亿元 above 10,000万, 万元 below; thousands separated."""
    if value is None:
        return "—"
    value = Decimal(value)
    if abs(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) >= 10000:  # 9999.995万 shows as 1.00亿元
        return f"{(value / 10000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}亿元"
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}万元"
