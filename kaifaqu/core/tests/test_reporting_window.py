"""The shared reporting window (kaifaqu/core/reporting_window.py): one model, one read, one write and one page for
reopening a closed period — statistics' PeriodReopening and projects' ProgressReopening alike."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse

from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.models import AuditEvent
from kaifaqu.core.reporting_window import ReportingWindow, reopen
from kaifaqu.core.views import ReopenView
from kaifaqu.projects.models import ProgressReopening
from kaifaqu.stats.models import DataSet, PeriodReopening

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 4, 20, 10, tzinfo=datetime.UTC)
LATER = NOW + datetime.timedelta(days=2)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(params=["stats", "projects"])
def window(request, world, personas):
    """(model, the keys of its own, an actor who may reopen) for each app."""
    keys = {"data_set": DataSet.objects.get(code="industry_monthly")} if request.param == "stats" else {}
    model = PeriodReopening if request.param == "stats" else ProgressReopening
    return model, keys, personas["zone_admin_a"]


def test_both_apps_share_the_model_the_read_and_the_page(window):
    model, _keys, _actor = window
    assert issubclass(model, ReportingWindow)
    assert hasattr(model.objects.all(), "open_for")
    for name in ("stats:reopen_list", "projects:progress_reopen"):
        assert issubclass(resolve(reverse(name)).func.view_class, ReopenView)


def test_reopen_writes_an_audited_window_that_is_open_until_it_closes(window, world):
    model, keys, actor = window
    opened = reopen(model, actor=actor, zone=world["zone_a"], period=202502, reason=" 补报 ", closes_at=LATER, **keys)
    assert (opened.reason, getattr(opened, model.opened_by_field), opened.is_open) == ("补报", actor, True)
    event = AuditEvent.objects.get(event=AuditEventChoices.CONFIG_CHANGE)
    assert event.detail["period"] == "2025-02" and event.detail["zone"] == world["zone_a"].pk
    windows = model.objects.all()
    assert list(windows.open_for(world["zone_a"], 202502)) == [opened]
    assert not windows.open_for(world["zone_b"], 202502).exists()
    assert not windows.open_for(world["zone_a"], 202501).exists()
    assert not windows.open_for(world["zone_a"], 202502, now=LATER).exists()  # closes at LATER: closed then


def test_no_reason_or_a_closing_time_past_writes_nothing(window, world):
    model, keys, actor = window
    base = {"actor": actor, "zone": world["zone_a"], "period": 202502, **keys}
    for reason, closes_at, field in (("   ", LATER, "reason"), ("补报", NOW, "closes_at")):
        with pytest.raises(ValidationError) as refused:
            reopen(model, reason=reason, closes_at=closes_at, **base)
        assert list(refused.value.message_dict) == [field]
    assert not model.objects.exists() and not AuditEvent.objects.exists()


def test_each_app_says_which_periods_may_be_reopened(window, world):
    model, keys, actor = window
    base = {"actor": actor, "zone": world["zone_a"], "reason": "补报", "closes_at": LATER, **keys}
    # statistics: January is exempt for the monthly form; projects: April's deadline is in May.
    refused_period = 202501 if model is PeriodReopening else 202504
    with pytest.raises(ValidationError) as refused:
        reopen(model, period=refused_period, **base)
    assert list(refused.value.message_dict) == ["period"]
