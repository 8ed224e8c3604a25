"""Reusable reads of projects, approvals and problems (scope comes from core.scoping.ScopedQuerySet)."""

from django.db.models import Count, Exists, OuterRef, Q

from kaifaqu.core.periods import year_of
from kaifaqu.core.scoping import ScopedQuerySet

from .choices import ProblemStatusChoices, ProjectStatusChoices
from .rules import PENDING, approval_due_on

# Approval matters still to be handled: these can run late (one list, in rules.py).
PENDING_APPROVALS = sorted(PENDING)


class ApprovalQuerySet(ScopedQuerySet):
    def pending(self):
        return self.filter(status__in=PENDING_APPROVALS)

    def overdue(self, today):
        """Pending matters past their planned date, or accepted and past the statutory time limit.

        The limit is counted in calendar days from acceptance (受理); the candidates are compared in Python because
        adding a column of days to a date is not portable between SQLite and PostgreSQL.
        """
        candidates = self.pending().filter(
            Q(planned_on__lt=today) | Q(submitted_on__isnull=False, time_limit_days__isnull=False)
        )
        rows = candidates.values_list("pk", "submitted_on", "time_limit_days", "planned_on")
        late = [
            pk
            for pk, submitted, limit, planned in rows
            if (due := approval_due_on(submitted, limit, planned)) and due < today
        ]
        return self.filter(pk__in=late)


class ProblemQuerySet(ScopedQuerySet):
    def unresolved(self):
        return self.exclude(status=ProblemStatusChoices.RESOLVED)

    def overdue(self, today):
        return self.unresolved().filter(deadline__lt=today)


class ProjectQuerySet(ScopedQuerySet):
    def with_overdue(self, today):
        """Annotate has_late_stage, has_overdue_problem (both subqueries, one query for the page)."""
        from .models import Problem, ProjectStage

        late_stage = ProjectStage.objects.filter(project=OuterRef("pk"), actual_on__isnull=True, planned_on__lt=today)
        overdue_problem = Problem.objects.filter(project=OuterRef("pk"), deadline__lt=today).exclude(
            status=ProblemStatusChoices.RESOLVED
        )
        return self.annotate(has_late_stage=Exists(late_stage), has_overdue_problem=Exists(overdue_problem))

    def overdue(self, today):
        """Projects with a late milestone, an overdue problem or an overdue approval matter."""
        from .models import Approval

        late_approvals = Approval.objects.filter(project__in=self.values("pk")).overdue(today).values("project_id")
        annotated = self.with_overdue(today)
        return annotated.filter(Q(has_late_stage=True) | Q(has_overdue_problem=True) | Q(pk__in=late_approvals))

    def progress_missing(self, period):
        """项目进度未报: projects in progress (推进中) with an annual plan for the period's year and no progress report
        (monthly or 旬) for the period — the projects whose monthly dispatch is owed."""
        from .models import ProgressReport

        reported = ProgressReport.objects.filter(project=OuterRef("pk"), period=period)
        return self.filter(status=ProjectStatusChoices.ACTIVE, plans__year=year_of(period)).exclude(Exists(reported))


def with_counts(queryset, today):
    """Annotate project_count, problem_count, open_count, overdue_count (one query for the page)."""
    unresolved = ~Q(problems__status=ProblemStatusChoices.RESOLVED)
    return queryset.annotate(
        project_count=Count("projects", distinct=True),
        problem_count=Count("problems", distinct=True),
        open_count=Count("problems", filter=unresolved, distinct=True),
        overdue_count=Count("problems", filter=unresolved & Q(problems__deadline__lt=today), distinct=True),
    )
