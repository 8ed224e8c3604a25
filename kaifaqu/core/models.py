"""Shared model mixins, and the import job of the one tabular import engine. No domain models live here."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .versioning import Versioned

# Versioned lives with its conflict handling in core.versioning
__all__ = ["TimestampedModel", "Versioned", "english_name_field", "localized_name"]


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


def english_name_field(max_length):
    """`name_en` of a row whose name is a label (a stage, an indicator …): the demo and default rows carry one, rows
    users add may leave it blank."""
    return models.CharField(
        _("英文名称"), max_length=max_length, blank=True, help_text=_("英文界面显示此名称；留空则显示中文名称")
    )


def localized_name(name, name_en):
    """The name in the user's language: the English name when English is active and one is recorded."""
    return name_en if name_en and (get_language() or "").startswith("en") else name


class ImportModeChoices(models.TextChoices):
    CREATE = "create", _("新增")
    # 更新模式: rows whose key is already registered update that row; the others are created.
    UPSERT = "upsert", _("新增或更新")


class ImportStatusChoices(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("已校验")
    COMMITTING = "committing", _("导入中")
    FAILED = "failed", _("失败")
    COMMITTED = "committed", _("已导入")


def import_upload_to(instance, filename):
    """Uploaded files keep only their extension; the original name is a field, never a path."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def import_errors_upload_to(instance, filename):
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-errors.xlsx"


def import_checked_upload_to(instance, filename):
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-checked.json"


class ImportJobQuerySet(models.QuerySet):
    def restrict(self, user, action="view"):
        """A user sees only the jobs they started; a system administrator sees all."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_system_admin:
            return self
        return self.filter(created_by=user)


class ImportJob(TimestampedModel):
    """One uploaded file on its way through parse → validate → (preview) → commit."""

    kind = models.CharField(_("导入类型"), max_length=50, db_index=True)
    file = models.FileField(_("文件"), upload_to=import_upload_to, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=255)
    mode = models.CharField(
        _("导入方式"), max_length=10, choices=ImportModeChoices.choices, default=ImportModeChoices.CREATE
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ImportStatusChoices.choices,
        default=ImportStatusChoices.UPLOADED,
        db_index=True,
    )
    language = models.CharField(_("语言"), max_length=10, default=settings.LANGUAGE_CODE)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    update_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    error_row_count = models.PositiveIntegerField(_("有错误的行数"), default=0)
    errors = models.JSONField(
        _("错误"), default=list, blank=True, help_text=_("前若干条错误；全部错误见错误说明工作簿")
    )
    error_file = models.FileField(_("错误说明工作簿"), upload_to=import_errors_upload_to, max_length=200, blank=True)
    # A clean validation's rows as the importer parsed them (JSON), for importers that can commit from them: the
    # commit then checks them against the current data without reading and parsing the file again.
    checked_file = models.FileField(
        _("校验结果"), upload_to=import_checked_upload_to, max_length=200, blank=True, editable=False
    )
    message = models.TextField(_("说明"), blank=True)
    # Parameters chosen on the upload page (e.g. a data set, period or firm) and notes the importer keeps.
    options = models.JSONField(_("导入参数"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("开发区")
    )
    validated_at = models.DateTimeField(_("校验时间"), null=True, blank=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    # The worker's sign of life: set when it starts validating or committing (the heartbeat file carries the rest,
    # see kaifaqu.core.imports.worker); the status the job had when its worker was found dead, so it can run again.
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True, editable=False)
    interrupted = models.CharField(
        _("中断时状态"), max_length=12, choices=ImportStatusChoices.choices, blank=True, editable=False
    )

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "kind", "-created_at"])]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self):
        return self.status in (
            ImportStatusChoices.UPLOADED,
            ImportStatusChoices.VALIDATING,
            ImportStatusChoices.COMMITTING,
        )

    @property
    def can_retry(self):
        """Failed because its worker died (not because of the file): it can run again."""
        return self.status == ImportStatusChoices.FAILED and bool(self.interrupted)

    @property
    def can_commit(self):
        return self.status == ImportStatusChoices.VALIDATED and self.error_count == 0 and self.row_count > 0


class DataVersion(models.Model):
    """A number bumped in the same transaction as every write to the rows behind a cached list (core.cache).

    Kept in the database, not in the cache: gunicorn workers with local-memory caches all read the same number, so
    none serves a list from before a write another worker committed."""

    name = models.CharField(_("名称"), max_length=64, primary_key=True)
    number = models.PositiveBigIntegerField(_("版本号"), default=0)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self):
        return f"{self.name} {self.number}"
