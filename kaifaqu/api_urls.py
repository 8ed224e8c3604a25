"""One router for the REST API under /api/; each app's api.py defines its viewsets and they are registered here."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from kaifaqu.core.api import not_found
from kaifaqu.enterprises.api import EnterpriseViewSet, IndustryClassViewSet
from kaifaqu.projects.api import (
    ApprovalViewSet,
    ProblemViewSet,
    ProgressReportViewSet,
    ProjectStageViewSet,
    ProjectViewSet,
)
from kaifaqu.projects.api_campaigns import CampaignViewSet, InspectionViewSet, KeyProjectsView
from kaifaqu.stats.api import ValueViewSet
from kaifaqu.stats.api_directory import DirectoryViewSet
from kaifaqu.stats.api_pages import AssignmentViewSet, CompletenessView, RankingView
from kaifaqu.stats.api_summary import SummaryView
from kaifaqu.zones.api import DepartmentViewSet, IndustryChainViewSet, ParkViewSet, RegionViewSet, ZoneViewSet

router = DefaultRouter()
router.register("zones", ZoneViewSet, basename="zone")
router.register("parks", ParkViewSet, basename="park")
router.register("departments", DepartmentViewSet, basename="department")
router.register("chains", IndustryChainViewSet, basename="industrychain")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("industry-classes", IndustryClassViewSet, basename="industryclass")
router.register("regions", RegionViewSet, basename="region")
router.register("stats/values", ValueViewSet, basename="stats-value")
router.register("stats/directory", DirectoryViewSet, basename="stats-directory")
router.register("projects", ProjectViewSet, basename="project")
router.register("project-stages", ProjectStageViewSet, basename="project-stage")
router.register("project-approvals", ApprovalViewSet, basename="project-approval")
router.register("project-progress", ProgressReportViewSet, basename="project-progress")
router.register("project-problems", ProblemViewSet, basename="project-problem")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("stats/assignments", AssignmentViewSet, basename="stats-assignment")

urlpatterns = router.urls
urlpatterns += [
    path("stats/summary/", SummaryView.as_view(), name="stats-summary"),
    path("stats/ranking/", RankingView.as_view(), name="stats-ranking"),
    path("stats/completeness/", CompletenessView.as_view(), name="stats-completeness"),
    path("key-projects/", KeyProjectsView.as_view(), name="key-projects"),
]
# Last: any other path under /api/ (an id with a dot or a slash, a typo) is a JSON 404, not the HTML page. Paths
# without the trailing slash still get CommonMiddleware's redirect first; the schema and its docs are kaifaqu/urls.py's.
urlpatterns.append(re_path(r"^(?!schema/|docs/)(?:.*/)?$", not_found, name="api-not-found"))
