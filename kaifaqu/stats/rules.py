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


def check_figures(rules, figures, previous=None):
    """Every breach of `rules` by `figures`, hard ones first."""
    breaches = [b for rule in rules if (b := check_rule(rule, figures, previous)) is not None]
    return sorted(breaches, key=lambda b: not b.is_hard)
