"""The upload form every import page uses (an app's page adds its own fields by subclassing it)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..forms import BootstrapFormMixin
from ..models import ImportModeChoices
from .reading import ALLOWED_EXTENSIONS, extension


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"), help_text=gettext_lazy("支持 .xlsx、.xls、.ods、.csv"))
    mode = forms.ChoiceField(
        label=gettext_lazy("导入方式"),
        choices=ImportModeChoices.choices,
        initial=ImportModeChoices.CREATE,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        ext = extension(upload.name)
        if ext not in ALLOWED_EXTENSIONS:
            raise ValidationError(
                _("不支持的文件类型“%(ext)s”，请上传 %(allowed)s 文件"),
                params={"ext": ext or "—", "allowed": "、".join(ALLOWED_EXTENSIONS)},
                code="extension",
            )
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("文件大小 %(size)s 超过上限 %(max)s"),
                params={"size": human_size(upload.size), "max": human_size(settings.UPLOAD_MAX_BYTES)},
                code="size",
            )
        if upload.size == 0:
            raise ValidationError(_("文件是空的"), code="empty")
        return upload


def human_size(size):
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"
