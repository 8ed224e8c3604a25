"""统一社会信用代码 (GB 32100) checked with python-stdnum."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

# GB 32100: 8 digits (登记管理部门, 机构类别, 区划), then 10 of 31 characters (no I, O, Z, S, V), the last a check.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUE_OF = {character: number for number, character in enumerate(ALPHABET)}
PLAIN_CODE = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}")


def check_character(code):
    total = sum(VALUE_OF[character] * weight for character, weight in zip(code, WEIGHTS, strict=False))
    return ALPHABET[(31 - total) % 31]


def clean_credit_code(value):
    """Return the compact upper-case code, or raise ValidationError saying what is wrong with it."""
    code = value.strip().upper() if type(value) is str else ""
    # The common case, a well-formed code, checked here: stdnum's compact and validate cost ten times as much (an
    # import checks every row's code); anything else takes stdnum's path for its exact error.
    if PLAIN_CODE.fullmatch(code) and code[-1] == check_character(code):
        return code
    code = uscc.compact(value or "")
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidLength as bad:
        raise ValidationError(_("统一社会信用代码应为18位，当前为%(n)d位") % {"n": len(code)}, code="length") from bad
    except stdnum_errors.InvalidChecksum as bad:
        raise ValidationError(_("统一社会信用代码校验位错误"), code="checksum") from bad
    except stdnum_errors.ValidationError as bad:
        raise ValidationError(_("统一社会信用代码含有无效字符"), code="format") from bad


def validate_credit_code(value):
    clean_credit_code(value)
