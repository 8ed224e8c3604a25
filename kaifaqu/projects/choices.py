from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectLevelChoices(models.TextChoices):
    """重点项目级别."""

    PROVINCE = "province", _("省重点")
    CITY = "city", _("市重点")
    COUNTY = "county", _("县重点")
    DISTRICT = "district", _("区重点")
    NONE = "none", _("一般项目")


class ProjectKindChoices(models.TextChoices):
    """项目类型, as key-project tables split them."""

    INDUSTRY = "industry", _("产业项目")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    LIVELIHOOD = "livelihood", _("民生项目")


class ProjectStatusChoices(models.TextChoices):
    ACTIVE = "active", _("推进中")
    PAUSED = "paused", _("暂缓")
    CANCELLED = "cancelled", _("终止")


class StagePhaseChoices(models.TextChoices):
    """A zone's stages fall in two ladders: talks before signing, and the pipeline after it."""

    TALKS = "talks", _("洽谈阶段")
    PIPELINE = "pipeline", _("建设阶段")


class MilestoneChoices(models.TextChoices):
    """What a (zone-configurable) stage means to the campaigns, rates and statistics that count it."""

    SIGNED = "signed", _("签约")
    FILED = "filed", _("立项/备案")
    LAND = "land", _("供地")
    STARTED = "started", _("开工")
    TOPPED_OUT = "topped_out", _("主体封顶")
    COMPLETED = "completed", _("竣工")
    TRIAL = "trial", _("试生产")
    PRODUCTION = "production", _("投产")
    FULL_CAPACITY = "full_capacity", _("达产")


class LineStatusChoices(models.TextChoices):
    """A production line (or building) tracked on its own."""

    PLANNED = "planned", _("未建")
    BUILDING = "building", _("建设中")
    INSTALLING = "installing", _("设备安装")
    COMMISSIONING = "commissioning", _("调试")
    TRIAL = "trial", _("试生产")
    PRODUCTION = "production", _("投产")


class ApprovalStatusChoices(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    PREPARING = "preparing", _("准备材料")
    SUBMITTED = "submitted", _("已受理")
    APPROVED = "approved", _("已批复")
    REJECTED = "rejected", _("未通过")
    NOT_REQUIRED = "not_required", _("无需办理")


class ProblemCategoryChoices(models.TextChoices):
    LAND = "land", _("用地")
    UTILITIES = "utilities", _("水电气暖")
    ROADS = "roads", _("道路")
    APPROVALS = "approvals", _("审批手续")
    FINANCING = "financing", _("融资")
    LABOUR = "labour", _("用工")
    LIVING = "living", _("生活配套")
    OTHER = "other", _("其他")


class ProblemStatusChoices(models.TextChoices):
    OPEN = "open", _("待办理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已解决")


class InspectionKindChoices(models.TextChoices):
    SURVEY = "survey", _("调研")
    ON_SITE = "on_site", _("现场办公")


class CampaignBatchChoices(models.TextChoices):
    """三个一批: 签约一批、开工一批、投产一批."""

    SIGNED = "signed", _("签约一批")
    STARTED = "started", _("开工一批")
    PRODUCTION = "production", _("投产一批")


# The milestone whose date puts a project into each batch.
BATCH_MILESTONES = {
    CampaignBatchChoices.SIGNED: MilestoneChoices.SIGNED,
    CampaignBatchChoices.STARTED: MilestoneChoices.STARTED,
    CampaignBatchChoices.PRODUCTION: MilestoneChoices.PRODUCTION,
}

# The default stages of a zone, in order: (code, name, English name, phase, milestone). The English names of the
# milestones are those of MilestoneChoices.
DEFAULT_STAGES = [
    ("tracking", "跟踪洽谈", "Follow-up contact", StagePhaseChoices.TALKS, ""),
    ("visit", "来访考察", "Site visit", StagePhaseChoices.TALKS, ""),
    ("intent", "投资意向", "Investment intention", StagePhaseChoices.TALKS, ""),
    ("agreement", "协议", "Agreement", StagePhaseChoices.TALKS, ""),
    ("talks", "洽谈", "Negotiation", StagePhaseChoices.PIPELINE, ""),
    ("signed", "签约", "Signed", StagePhaseChoices.PIPELINE, MilestoneChoices.SIGNED),
    ("filed", "立项/备案", "Approved/filed", StagePhaseChoices.PIPELINE, MilestoneChoices.FILED),
    ("land", "供地", "Land supplied", StagePhaseChoices.PIPELINE, MilestoneChoices.LAND),
    ("started", "开工", "Construction started", StagePhaseChoices.PIPELINE, MilestoneChoices.STARTED),
    ("topped_out", "主体封顶", "Topped out", StagePhaseChoices.PIPELINE, MilestoneChoices.TOPPED_OUT),
    ("completed", "竣工", "Completed", StagePhaseChoices.PIPELINE, MilestoneChoices.COMPLETED),
    ("trial", "试生产", "Trial production", StagePhaseChoices.PIPELINE, MilestoneChoices.TRIAL),
    ("production", "投产", "In production", StagePhaseChoices.PIPELINE, MilestoneChoices.PRODUCTION),
    ("full_capacity", "达产", "At full capacity", StagePhaseChoices.PIPELINE, MilestoneChoices.FULL_CAPACITY),
]

# The default approval matters (editable per zone): (name, English name, statutory time limit in days).
DEFAULT_APPROVAL_KINDS = [
    ("立项/备案", "Project approval/filing", 5),
    ("用地预审", "Land use pre-examination", 20),
    ("规划许可", "Planning permit", 20),
    ("环评", "Environmental impact assessment", 30),
    ("安评", "Safety assessment", 30),
    ("能评", "Energy conservation review", 30),
    ("施工许可", "Construction permit", 7),
    ("消防", "Fire safety review", 15),
    ("竣工验收", "Completion acceptance", 15),
]
