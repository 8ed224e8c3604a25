"""Import and export of enterprises: the import pages are declarations on the core's generic import views."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext_lazy
from django.views import View

from kaifaqu.core.exports import workbook_response
from kaifaqu.core.imports import views as imports
from kaifaqu.zones.importers import only_zone

from ..exports import export_enterprises
from ..importers import EnterpriseImporter, can_import_enterprises
from ..models import Enterprise


class EnterpriseExportView(LoginRequiredMixin, View):
    """The enterprise list as .xlsx: same GET parameters as the list page, same scope (restrict)."""

    def get(self, request):
        workbook, filename = export_enterprises(request)
        return workbook_response(workbook, filename)


class EnterpriseImportPages(imports.ImportPages):
    """Import pages exist only for users who may write the registry somewhere; for others they are 404."""

    importer_class = EnterpriseImporter
    may_import = staticmethod(can_import_enterprises)
    page_title = gettext_lazy("导入企业")
    breadcrumbs = ((gettext_lazy("企业"), "enterprises:enterprise_list"),)
    upload_url_name = "enterprises:enterprise_import"
    template_url_name = "enterprises:import_template"
    job_url_name = "enterprises:import_job"
    errors_url_name = "enterprises:import_errors"
    commit_confirm = gettext_lazy("确认将这些数据写入企业名录？")
    result_text = gettext_lazy("已于 %(when)s 写入企业名录，修改记录中可以看到本次导入。")
    result_link = ("enterprises:enterprise_list", gettext_lazy("查看企业名录"), "to-enterprise-list")


class EnterpriseImportView(EnterpriseImportPages, imports.ImportView):
    heading = gettext_lazy("从 Excel 导入企业")
    template_text = gettext_lazy(
        "模板带有下拉列表（开发区、园区、规模、状态、金额单位、行业代码），“说明”工作表解释每一列的格式。"
    )
    steps = (
        (
            gettext_lazy("填写"),
            gettext_lazy(
                "每行一家企业，橙色表头为必填列。也可以上传本系统导出的企业名录，修改后按“新增或更新”方式导入。"
            ),
        ),
        (gettext_lazy("上传"), imports.UPLOAD_STEP),
        (
            gettext_lazy("预览"),
            gettext_lazy(
                "系统校验每一行，列出全部错误（行号、列、原因），并可下载带“错误说明”列的工作簿，改正后重新上传。"
            ),
        ),
        (
            gettext_lazy("确认导入"),
            gettext_lazy("全部无误后确认导入：所有行一次写入；只要有一行出错，就不写入任何数据。"),
        ),
    )
    mode_help = gettext_lazy(
        "新增：只登记新企业，代码已登记的行报错。新增或更新（更新模式）：已登记的企业按文件更新，其余新增。"
    )

    def import_zone(self, form):
        return only_zone(self.request.user.writable_zone_ids(Enterprise.scope))


class EnterpriseImportTemplateView(EnterpriseImportPages, imports.ImportTemplateView):
    template_filename = gettext_lazy("企业名录导入模板.xlsx")


class ImportJobView(EnterpriseImportPages, imports.ImportJobView):
    pass


class ImportErrorsView(EnterpriseImportPages, imports.ImportErrorsView):
    pass
