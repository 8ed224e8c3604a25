"""clean_credit_code checks a well-formed 统一社会信用代码 itself (an import checks every row's code) and agrees
with python-stdnum on every input, valid or not."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from kaifaqu.enterprises.validators import ALPHABET, clean_credit_code

CHARACTERS = ALPHABET + "IOZSVabc -"


def stdnum_result(value):
    try:
        return uscc.validate(uscc.compact(value))
    except stdnum_errors.ValidationError:
        return None
    except ValueError:  # a character stdnum's check digit cannot weigh: invalid
        return None


def ours(value):
    try:
        return clean_credit_code(value)
    except ValidationError:
        return None


@given(
    first=st.text("0123456789", min_size=8, max_size=8),
    rest=st.text(CHARACTERS, min_size=9, max_size=10),
    with_check=st.booleans(),
    lower=st.booleans(),
)
def test_the_same_answer_as_stdnum(first, rest, with_check, lower):
    code = first + rest
    if with_check and len(rest) == 9:
        try:
            code += uscc.calc_check_digit(code)
        except ValueError:
            code += "0"
    code = code.lower() if lower else code
    assert ours(code) == stdnum_result(code)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("91140581MA0K2A3B5", "length"), ("91140581MA0K2A3B5X", "checksum"), ("9114058IMA0K2A3B5N", "format")],
)
def test_a_bad_code_keeps_its_message(value, reason):
    with pytest.raises(ValidationError) as raised:
        clean_credit_code(value)
    assert raised.value.code == reason


def test_a_good_code_is_compact_and_upper_case():
    first = "91140581MA0K2A3B5"
    code = first + uscc.calc_check_digit(first)
    assert clean_credit_code(f" {code.lower()} ") == code
