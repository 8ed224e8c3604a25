"""Validation rules are consistent by the model (ValidationRule.clean), whatever form or path saves them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kaifaqu.stats.forms import RuleForm
from kaifaqu.stats.models import Indicator, ValidationRule

D = Decimal


@pytest.fixture
def codes(db):
    return {i.code: i for i in Indicator.objects.all()}


def rule(codes, *, left="rd_expense", right="revenue", when=None, **fields):
    fields.setdefault("kind", "compare")
    fields.setdefault("operator", "le")
    return ValidationRule(
        name="规则",
        left=codes[left] if left else None,
        right=codes[right] if right else None,
        when_indicator=codes[when] if when else None,
        **fields,
    )


def errors_of(candidate):
    """{field: [messages]} of full_clean, {} when the rule is valid. A blank constant (None) is excluded from field
    validation, as the rule form does with a blank optional field."""
    exclude = ["right_constant"] if candidate.right_constant is None else None
    try:
        candidate.full_clean(exclude=exclude)
    except ValidationError as invalid:
        return invalid.message_dict
    return {}


# -- comparison rules ----------------------------------------------------------------------------------------------


def test_a_plain_comparison_is_valid(codes):
    assert errors_of(rule(codes)) == {}


def test_a_comparison_needs_a_right_indicator_or_a_constant(codes):
    assert errors_of(rule(codes, right=None, right_constant=None)) == {"right": ["请选择右边指标或填写右边常数"]}
    constant_zero = rule(codes, right=None, right_constant=D(0), operator="ge")  # 0 is a constant: 研发费用 ≥ 0
    assert errors_of(constant_zero) == {}


def test_a_blank_constant_with_a_right_indicator_means_zero(codes):
    candidate = rule(codes, right_constant=None)
    assert errors_of(candidate) == {}
    assert candidate.right_constant == D(0)


@pytest.mark.parametrize(("factor", "valid"), [(D(1), True), (D("1.0001"), False), (D("0.9999"), False)])
def test_a_factor_needs_a_right_indicator(codes, factor, valid):
    errors = errors_of(rule(codes, right=None, right_factor=factor, right_constant=D(5)))
    assert ("right_factor" not in errors) == valid
    if not valid:
        assert errors["right_factor"] == ["没有右边指标时系数无意义，请保持为 1"]


@pytest.mark.parametrize(("factor", "valid"), [(D("0.0001"), True), (D(0), False), (D(-1), False)])
def test_the_factor_must_be_positive(codes, factor, valid):
    errors = errors_of(rule(codes, right_factor=factor))
    assert errors.get("right_factor", []) == ([] if valid else ["系数必须大于 0"])


def test_a_zero_factor_without_a_right_indicator_gets_both_messages(codes):
    errors = errors_of(rule(codes, right=None, right_factor=D(0), right_constant=D(5)))
    assert errors["right_factor"] == ["没有右边指标时系数无意义，请保持为 1", "系数必须大于 0"]


@pytest.mark.parametrize(
    ("factor", "constant", "valid"),
    [
        (D(1), D(0), False),  # 营业收入 ≤ 营业收入: says nothing
        (D(1), None, False),  # a blank constant is 0
        (D(1), D("0.0001"), True),
        (D(1), D("-0.0001"), True),
        (D("1.0001"), D(0), True),
        (D("0.9999"), D(0), True),
    ],
)
def test_a_side_compared_with_itself_unchanged_is_refused(codes, factor, constant, valid):
    errors = errors_of(rule(codes, left="revenue", right="revenue", right_factor=factor, right_constant=constant))
    assert errors.get("right", []) == ([] if valid else ["左右两边相同，规则没有意义"])


# -- the cumulative rule -------------------------------------------------------------------------------------------


def test_the_cumulative_rule_is_for_flow_indicators_only(codes):
    assert errors_of(rule(codes, kind="cumulative", left="revenue", right=None)) == {}
    stock = errors_of(rule(codes, kind="cumulative", left="employees", right=None))
    assert stock["left"] == ["“累计值不低于上月”只适用于流量（1—N月累计）指标"]


@pytest.mark.parametrize(("right", "when"), [("output_value", None), (None, "output_value")])
def test_the_cumulative_rule_has_no_right_side_and_no_condition(codes, right, when):
    errors = errors_of(rule(codes, kind="cumulative", left="revenue", right=right, when=when))
    assert errors == {"right": ["“累计值不低于上月”规则不设右边指标和前提指标"]}


def test_the_cumulative_rule_always_reads_not_below_last_month(codes):
    candidate = rule(
        codes, kind="cumulative", left="revenue", right=None, operator="lt", right_factor=D(3), right_constant=None
    )
    assert errors_of(candidate) == {}
    assert (candidate.operator, candidate.right_factor, candidate.right_constant) == ("ge", D(1), D(0))


def test_a_rule_without_a_left_indicator_is_named_by_field_validation_only(codes):
    errors = errors_of(rule(codes, left=None, kind="cumulative", right=None))
    assert list(errors) == ["left"] and "“累计值不低于上月”只适用于流量（1—N月累计）指标" not in errors["left"]


def test_messages_are_translated(codes):
    with translation.override("en"):
        errors = errors_of(rule(codes, right_factor=D(0)))
    assert errors["right_factor"][0].isascii()


# -- the rule form relies on the model -----------------------------------------------------------------------------


def form_data(codes, **changes):
    data = {
        "name": "研发费用不大于营业收入",
        "data_set": "",
        "kind": "compare",
        "left": codes["rd_expense"].pk,
        "operator": "le",
        "right": codes["revenue"].pk,
        "right_factor": "1",
        "right_constant": "0",
        "when_indicator": "",
        "severity": "soft",
        "message": "",
        "is_active": "on",
    }
    return {**data, **changes}


def test_the_form_shows_the_models_messages_once(codes):
    form = RuleForm(data=form_data(codes, right="", right_constant=""))
    assert not form.is_valid()
    assert form.errors["right"] == ["请选择右边指标或填写右边常数"]
    form = RuleForm(data=form_data(codes, kind="cumulative", left=codes["employees"].pk, right=""))
    assert not form.is_valid()
    assert form.errors["left"] == ["“累计值不低于上月”只适用于流量（1—N月累计）指标"]


def test_the_form_saves_what_the_model_settles(codes):
    form = RuleForm(data=form_data(codes, kind="cumulative", left=codes["revenue"].pk, right="", right_constant=""))
    assert form.is_valid(), form.errors
    saved = form.save()
    saved.refresh_from_db()
    assert (saved.operator, saved.right_id, saved.right_factor, saved.right_constant) == ("ge", None, D(1), D(0))
