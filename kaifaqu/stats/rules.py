"""Validation rules over one firm's figures for one period (pure: no ORM).

Missing input is not zero: a rule whose inputs are missing is not evaluated, never passed or failed on a guess.
"""

import operator
from dataclasses import dataclass
from decimal import Decimal

OPERATORS = {
    "le": operator.le,
    "lt": operator.lt,
    "ge": operator.ge,
    "gt": operator.gt,
    "eq": operator.eq,
    "ne": operator.ne,
}


@dataclass(frozen=True)
class RuleSpec:
    rule_id: int
    name: str
    kind: str  # "compare" or "cumulative"
    left: str
    operator: str = "le"
    right: str | None = None
    right_factor: Decimal = Decimal(1)
    right_constant: Decimal = Decimal(0)
    when: str | None = None
    severity: str = "soft"
    message: str = ""

    @classmethod
    def from_rule(cls, rule):
        return cls(
            rule_id=rule.pk,
            name=rule.name,
            kind=rule.kind,
            left=rule.left.code,
            operator=rule.operator,
            right=rule.right.code if rule.right_id else None,
            right_factor=rule.right_factor,
            right_constant=rule.right_constant,
            when=rule.when_indicator.code if rule.when_indicator_id else None,
            severity=rule.severity,
            message=rule.message or rule.name,
        )

    @property
    def indicators(self):
        return {code for code in (self.left, self.right, self.when) if code}


@dataclass(frozen=True)
class Breach:
    rule: RuleSpec
    indicator: str
    message: str

    @property
    def is_hard(self):
        return self.rule.severity == "hard"


def right_side(rule, figures):
    if rule.right is None:
        return rule.right_constant
    if figures.get(rule.right) is None:
        return None
    return figures[rule.right] * rule.right_factor + rule.right_constant


def check_rule(rule, figures, previous=None):
    """A Breach if `figures` (code → Decimal) break `rule`, else None. `previous`: last month's cumulative figures
    of the same year (for the cumulative rule); None when the period is the first of its year."""
    left = figures.get(rule.left)
    if left is None:
        return None
    if rule.kind == "cumulative":
        before = (previous or {}).get(rule.left)
        if before is None or left >= before:
            return None
        return Breach(rule, rule.left, rule.message)
    if rule.when is not None and not (figures.get(rule.when) or 0) > 0:
        return None
    right = right_side(rule, figures)
    if right is None or OPERATORS[rule.operator](left, right):
        return None
    return Breach(rule, rule.left, rule.message)


def nearest_later(period, series):
    """(period, value) of the earliest month after `period` in the same year in `series` ({yyyymm: value}), or None.
    Never across a year end: 1—N月 figures restart each January, so December does not bound the next January."""
    year_end = period // 100 * 100 + 12
    later = [month for month in series if period < month <= year_end]
    return (min(later), series[min(later)]) if later else None


def check_later(rule, figures, later):
    """The cumulative rule seen from a later month: a Breach if a new 1—N月 figure is above `later` (code → Decimal,
    the figure of the nearest later month of the same year already reported), else None. Equal passes."""
    if rule.kind != "cumulative":
        return None
    new, after = figures.get(rule.left), (later or {}).get(rule.left)
    if new is None or after is None or new <= after:
        return None
    return Breach(rule, rule.left, rule.message)


def check_figures(rules, figures, previous=None):
    """Every breach of `rules` by `figures`, hard ones first."""
    breaches = [b for rule in rules if (b := check_rule(rule, figures, previous)) is not None]
    return sorted(breaches, key=lambda b: not b.is_hard)
