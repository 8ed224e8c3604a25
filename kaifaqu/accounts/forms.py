from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kaifaqu.core.forms import BootstrapFormMixin

from .choices import RoleChoices
from .models import Membership, User
from .querysets import grantable_roles


class UserForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "phone"]


class UserCreateForm(UserForm):
    username = forms.RegexField(
        label=_("账户名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("账户名只能包含字母、数字和 @ . + - _")},
    )
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=_("用户首次登录时必须修改密码。"),
    )

    class Meta(UserForm.Meta):
        fields = ["username", "display_name", "email", "phone", "password"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("该账户名已存在"))
        return username

    def clean(self):
        # After the other fields: the password must not resemble the new account's name, e-mail or phone (IA-1).
        cleaned = super().clean()
        if "password" in cleaned:
            candidate = User(**{name: cleaned.get(name, "") for name in ("username", "display_name", "email", "phone")})
            try:
                password_validation.validate_password(cleaned["password"], candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class PasswordResetForm(BootstrapFormMixin, forms.Form):
    """A password an administrator sets for `user`: the same rules as the user's own, similarity to them included."""

    password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, self.user)
        return password


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("令牌名称"), max_length=100, help_text=_("用途，例如“统计数据同步脚本”，便于日后识别和撤销。")
    )


class MembershipForm(BootstrapFormMixin, forms.ModelForm):
    """Grant a role; the choices of role and zone are limited to what the actor may grant."""

    class Meta:
        model = Membership
        fields = ["role", "zone", "department", "enterprise", "region"]

    def __init__(self, *args, actor, zones, departments, enterprises, regions, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = grantable_roles(actor)
        self.fields["role"].choices = [(r.value, r.label) for r in RoleChoices if r in allowed]
        self.fields["zone"].queryset = zones
        self.fields["department"].queryset = departments
        self.fields["enterprise"].queryset = enterprises
        self.fields["enterprise"].widget.attrs["data-picker"] = "1"
        self.fields["region"].queryset = regions
        for name in ("zone", "department", "enterprise", "region"):
            self.fields[name].required = False
