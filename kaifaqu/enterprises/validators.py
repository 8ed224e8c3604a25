"""统一社会信用代码 (GB 32100) checked with python-stdnum."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc


def clean_credit_code(value):
    """Return the compact upper-case code, or raise ValidationError saying what is wrong with it."""
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
