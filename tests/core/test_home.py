import pytest
from django.urls import reverse

from zugong.core.scope import Role

from ..factories import make_user


@pytest.mark.django_db
def test_anonymous_goes_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_account_without_org_gets_the_no_access_page(client):
    user = make_user(Role.LEADER, None)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("no_access")
    page = client.get(reverse("no_access"))
    assert "尚未绑定党组织" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "target"), [("dept_admin", "orgs:tree"), ("member", "members:me")])
def test_roles_land_on_their_start_page(client, accounts, name, target):
    client.force_login(accounts[name])
    assert client.get(reverse("home"))["Location"] == reverse(target)


@pytest.mark.django_db
def test_pages_send_security_headers(client, accounts):
    client.force_login(accounts["dept_admin"])
    response = client.get(reverse("no_access"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Request-ID"]
