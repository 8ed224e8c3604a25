"""Import of projects and of monthly progress: declarations on the core's generic import views.

Who: the project list is imported by project writers of a zone (zone admin, 项目 department staff) and the system
administrator; progress also by enterprise users, for the projects their firm invests in. A job is seen only by the
user who started it (and the system administrator). Everyone else gets 404.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.core.imports import views as imports
from kaifaqu.zones.models import Zone

from ..forms import ProjectUploadForm
from ..importers import DEFAULT_UNIT, KIND_PROGRESS, KINDS, ProgressImporter, ProjectImporter
from ..models import Project
from ..permissions import may_add_project, may_import_progress, may_import_projects, may_use_imports, writable_zones


def progress_zones(user):
    """Zones the progress upload may be narrowed to: the writable ones (enterprise users choose none)."""
    if may_add_project(user):
        return writable_zones(user, Project)
    return Zone.objects.none()


class ProjectImportPages(imports.ImportPages):
    importer_class = ProjectImporter
    may_import = staticmethod(may_import_projects)
    progress = False
    page_title = gettext_lazy("导入项目")
    breadcrumbs = ((gettext_lazy("项目"), "projects:project_list"),)
    upload_url_name = "projects:project_import"
    template_url_name = "projects:project_import_template"
    job_url_name = "projects:import_job"
    errors_url_name = "projects:import_job_errors"
    kind_name = ProjectImporter.verbose_name
    commit_confirm = gettext_lazy("确认将这些项目写入项目清单？")
    result_text = gettext_lazy("已于 %(when)s 写入，项目的修改记录中可以看到本次导入。")
    result_link = ("projects:project_list", gettext_lazy("查看项目"), "to-project-list")

    def zones(self):
        """The zones a file (and a template's stage columns) may be for."""
        return writable_zones(self.request.user, Project)


class ProgressImportPages(ProjectImportPages):
    importer_class = ProgressImporter
    may_import = staticmethod(may_import_progress)
    progress = True
    page_title = gettext_lazy("导入项目进度")
    upload_url_name = "projects:progress_import"
    template_url_name = "projects:progress_import_template"
    kind_name = ProgressImporter.verbose_name
    commit_confirm = gettext_lazy("确认写入这些项目进度？")

    def zones(self):
        return progress_zones(self.request.user)


class ProjectUploadMixin:
    """The upload of both: the zone (chosen, or the user's only one) and the unit go with the file."""

    form_class = ProjectUploadForm
    field_columns = {"zone": 6, "unit": 6}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "zones": self.zones().order_by("name"), "progress": self.progress}

    def import_zone(self, form):
        zones = list(self.zones()[:2])
        return form.cleaned_data.get("zone") or (zones[0] if len(zones) == 1 else None)

    def import_options(self, form, kind):
        return {"unit": form.cleaned_data["unit"]}


class ProjectImportView(ProjectImportPages, ProjectUploadMixin, imports.ImportView):
    heading = gettext_lazy("从 Excel 导入项目清单")
    template_text = gettext_lazy(
        "模板带有下拉列表（开发区、园区、产业链、责任部门、重点项目级别、项目类型、行业代码），阶段日期列按本开发区"
        "的阶段名称命名（如“签约日期”“计划开工日期”），“说明”工作表解释每一列的格式。"
    )
    steps = (
        (
            gettext_lazy("填写"),
            gettext_lazy(
                "每行一个项目，橙色表头为必填列。按“所属开发区 + 项目名称”识别已登记的项目；投资方填写已登记企业的统一"
                "社会信用代码，尚未登记的填写名称。"
            ),
        ),
        (gettext_lazy("上传"), imports.UPLOAD_STEP),
        (
            gettext_lazy("预览"),
            gettext_lazy(
                "系统校验每一行，列出全部错误（行号、列、原因）：未知的园区、部门或产业链，错误的统一社会信用代码，负数"
                "金额，固定资产投资大于总投资，不符合阶段顺序的日期，文件内重名的项目等。"
            ),
        ),
        (
            gettext_lazy("确认导入"),
            gettext_lazy(
                "全部无误后确认导入：所有行一次写入，项目的修改记录和当前阶段随之更新；只要有一行出错，就不写入任何数据。"
            ),
        ),
    )
    mode_help = gettext_lazy(
        "新增：只登记新项目，已登记的项目（同一开发区同名）报错。新增或更新：已登记的项目按文件更新（文件中没有的列不变），"
        "其余新增。"
    )
    links = (("projects:progress_import", "bi-graph-up", gettext_lazy("导入月度进度"), "to-progress-import"),)


class ProgressImportView(ProgressImportPages, ProjectUploadMixin, imports.ImportView):
    heading = gettext_lazy("从 Excel 导入月度（旬）进度")
    template_text = gettext_lazy("模板的“项目”工作表列出您可以填报进度的项目；“说明”工作表解释每一列的格式。")
    steps = (
        (
            gettext_lazy("填写"),
            gettext_lazy(
                "每行一个项目一个报告期：项目名称（或项目编号）、报告期（如 2025-03）、当期完成投资或开工至报告期累计"
                "（填其一即可）、形象进度；旬报在“旬”列填写上旬、中旬或下旬。"
            ),
        ),
        (
            gettext_lazy("上传与预览"),
            gettext_lazy(
                "支持 %(extensions)s 文件，不超过 %(max_size)s，每次最多 %(rows)s 行。系统逐行校验：未知或无权填报的"
                "项目、已截止的报告期、负数金额、少于此前累计的开工累计（同一文件中较早报告期的行一并计算）、同一项目同一"
                "报告期重复。"
            ),
        ),
        (
            gettext_lazy("确认导入"),
            gettext_lazy(
                "全部无误后确认导入：已填报的报告期即为更正，其后各期累计随之重算；只要有一行出错，就不写入任何数据。"
            ),
        ),
    )


def template_zone(request, zones):
    """The zone named by ?zone= among `zones` (its stage names make the columns), or None; a stranger one is 404."""
    value = request.GET.get("zone")
    if not value:
        return None
    try:
        return zones.get(pk=int(value))
    except (ValueError, Zone.DoesNotExist) as missing:
        raise Http404 from missing


class ProjectTemplateMixin:
    def get_importer(self):
        return self.importer_class(user=self.request.user, zone=template_zone(self.request, self.zones()))


class ProjectImportTemplateView(ProjectImportPages, ProjectTemplateMixin, imports.ImportTemplateView):
    template_filename = gettext_lazy("项目清单导入模板.xlsx")


class ProgressImportTemplateView(ProgressImportPages, ProjectTemplateMixin, imports.ImportTemplateView):
    template_filename = gettext_lazy("项目进度导入模板.xlsx")


class ProjectJobPages(ProjectImportPages):
    """One job page for both imports: its texts are those of the job's import."""

    may_import = staticmethod(may_use_imports)
    kinds = KINDS

    def page_of(self, job):
        return ProgressImportPages() if job.kind == KIND_PROGRESS else self


class ImportJobView(ProjectJobPages, imports.ImportJobView):
    def job_parameters(self, job):
        parameters = [] if job.kind == KIND_PROGRESS else [(_("导入方式"), job.get_mode_display())]
        if job.zone:
            parameters.append((_("开发区"), job.zone))
        return [*parameters, (_("金额单位"), (job.options or {}).get("unit") or DEFAULT_UNIT)]


class ImportErrorsView(ProjectJobPages, imports.ImportErrorsView):
    pass
