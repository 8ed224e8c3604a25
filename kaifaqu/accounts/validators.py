import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


class CharacterClassValidator:
    """IA-1: a password uses at least `min_classes` of lower case, upper case, digits and symbols."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(1 for pattern in CHARACTER_CLASSES if re.search(pattern, password))
        if used < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


# Django's validators, with their messages in our catalogue: Django's own zh-hans catalogue lacks the current wording
# of some (the "too short" message showed in English on Chinese pages). Same rules, same error codes.
class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return _("密码太短，至少须包含 %(min_length)d 个字符。")

    def get_help_text(self):
        return _("密码至少须包含 %(min_length)d 个字符。") % {"min_length": self.min_length}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _("该密码过于常见。")

    def get_help_text(self):
        return _("密码不能是常见密码。")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return _("密码不能全部是数字。")

    def get_help_text(self):
        return _("密码不能全部是数字。")


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Also compares with the name and phone number this system keeps (Django looks at first and last name)."""

    DEFAULT_USER_ATTRIBUTES = ("username", "display_name", "email", "phone")

    def __init__(self, user_attributes=DEFAULT_USER_ATTRIBUTES, max_similarity=0.7):
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    def get_error_message(self):
        return _("密码与%(verbose_name)s过于相似。")

    def get_help_text(self):
        return _("密码不能与账户名、姓名、邮箱、手机等个人信息过于相似。")
