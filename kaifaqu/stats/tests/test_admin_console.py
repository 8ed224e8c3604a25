"""The indicator catalogue, report forms and rules are configuration: the system administrator's, and no one else's."""

import pytest

from kaifaqu.stats.models import Indicator

PAGES = ["/django-admin/", "/django-admin/stats/indicator/", "/django-admin/stats/dataset/"]


@pytest.mark.parametrize("url", PAGES)
def test_system_admin_opens_the_configuration(personas, client_for, url):
    assert client_for(personas["system_admin"]).get(url).status_code == 200


@pytest.mark.parametrize("persona", ["security_admin", "audit_admin", "zone_admin_a", "staff_a", "firm_1_user"])
def test_others_are_sent_to_the_admin_login(personas, client_for, persona):
    response = client_for(personas[persona]).get("/django-admin/stats/indicator/")
    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]


def test_system_admin_edits_an_indicator_with_history(personas, client_for):
    indicator = Indicator.objects.get(code="tax")
    client = client_for(personas["system_admin"])
    page = client.get(f"/django-admin/stats/indicator/{indicator.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(definition="税金及附加、应交增值税合计", is_money="on", is_active="on")
    data = {k: v for k, v in data.items() if v not in (None, False)}
    response = client.post(f"/django-admin/stats/indicator/{indicator.pk}/change/", data)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.definition == "税金及附加、应交增值税合计"
    assert indicator.history.first().history_user == personas["system_admin"]
