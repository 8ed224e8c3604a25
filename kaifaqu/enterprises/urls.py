from django.urls import path

from .views import io, pages

app_name = "enterprises"
urlpatterns = [
    path("", pages.EnterpriseListView.as_view(), name="enterprise_list"),
    path("add/", pages.EnterpriseEditView.as_view(), name="enterprise_add"),
    path("<int:pk>/", pages.EnterpriseView.as_view(), name="enterprise"),
    path("<int:pk>/edit/", pages.EnterpriseEditView.as_view(), name="enterprise_edit"),
    path("<int:pk>/relocate/", pages.EnterpriseRelocateView.as_view(), name="enterprise_relocate"),
    path("<int:pk>/contacts/add/", pages.ContactEditView.as_view(), name="contact_add"),
    path("contacts/<int:pk>/edit/", pages.ContactEditView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/delete/", pages.ContactDeleteView.as_view(), name="contact_delete"),
    path("industries/search/", pages.IndustrySearchView.as_view(), name="industry_search"),
    path("search/", pages.EnterpriseSearchView.as_view(), name="enterprise_search"),
    path("export/", io.EnterpriseExportView.as_view(), name="enterprise_export"),
    path("import/", io.EnterpriseImportView.as_view(), name="enterprise_import"),
    path("import/template/", io.EnterpriseImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", io.ImportJobView.as_view(), name="import_job"),
    path("import/<int:pk>/errors/", io.ImportErrorsView.as_view(), name="import_errors"),
]
