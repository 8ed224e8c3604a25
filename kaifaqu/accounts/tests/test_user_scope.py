"""A zone admin reaches the accounts of their zone, and the role-less accounts they created — no others."""

from conftest import PASSWORD
from kaifaqu.accounts.models import User


def test_zone_admin_reaches_the_account_they_created_but_not_others(personas, world, client_for):
    client = client_for(personas["zone_admin_a"])
    response = client.post(
        "/accounts/users/add/", {"username": "new_a", "display_name": "新同事", "password": PASSWORD}
    )
    created = User.objects.get(username="new_a")
    assert response.status_code == 302 and created.home_zone == world["zone_a"]
    assert client.get(f"/accounts/users/{created.pk}/").status_code == 200
    stranger = User.objects.create_user(username="stray", password=PASSWORD, home_zone=world["zone_b"])
    orphan = User.objects.create_user(username="orphan", password=PASSWORD)
    for other in (stranger, orphan):
        assert client.get(f"/accounts/users/{other.pk}/").status_code == 404
    listed = client.get("/accounts/users/").content.decode()
    assert "new_a" in listed and "stray" not in listed and "orphan" not in listed
