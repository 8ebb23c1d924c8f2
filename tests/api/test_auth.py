import datetime as dt

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from zugong.accounts import services as account_services
from zugong.accounts.models import ApiToken

ME = "/api/me"


@pytest.mark.django_db
def test_missing_token_is_401_in_chinese(client, accounts):
    response = client.get(ME)
    assert response.status_code == 401
    assert "接口令牌" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer zg_not-a-token", "Bearer ", "Token abc", "Basic YWRtaW46eA=="])
def test_wrong_token_is_401(client, accounts, header):
    assert client.get(ME, HTTP_AUTHORIZATION=header).status_code == 401


@pytest.mark.django_db
def test_revoked_token_is_401(api, tokens, accounts):
    assert api.get(ME, "organizer_a").status_code == 200
    token = ApiToken.objects.get(key_hash=ApiToken.hash(tokens["organizer_a"]))
    account_services.token_revoke(actor=None, token=token)
    assert api.get(ME, "organizer_a").status_code == 401


@pytest.mark.django_db
def test_token_of_inactive_account_is_401(api, accounts):
    account_services.account_update(actor=None, account=accounts["organizer_a"], is_active=False)
    assert api.get(ME, "organizer_a").status_code == 401


@pytest.mark.django_db
def test_bad_token_on_a_write_is_401_not_a_csrf_error(client, tree, accounts):
    response = client.post(
        "/api/orgs", data={}, content_type="application/json", HTTP_AUTHORIZATION="Bearer nope"
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_me(api, tree, accounts):
    body = api.get(ME, "leader_a").json()
    assert body["username"] == "leader_a"
    assert body["role"] == "leader"
    assert body["role_label"] == "领导(只读)"
    assert body["org"] == {"code": tree.town_a.code, "name": tree.town_a.name}
    assert body["scope_root"] == tree.town_a.code
    assert "member.view" in body["permissions"] and "member.edit" not in body["permissions"]
    root = api.get(ME, "superuser").json()
    assert root["org"] is None and root["scope_root"] is None


@pytest.mark.django_db
def test_last_used_at_is_touched_at_most_once_a_minute(api, tokens, accounts):
    token = ApiToken.objects.get(key_hash=ApiToken.hash(tokens["leader_a"]))
    assert token.last_used_at is None
    api.get(ME, "leader_a")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get(ME, "leader_a")
    token.refresh_from_db()
    assert token.last_used_at == first
    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    api.get(ME, "leader_a")
    token.refresh_from_db()
    assert token.last_used_at > earlier + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_browser_session_reads_and_writes_only_with_csrf(tree, accounts):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(accounts["organizer_a"], backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get(ME).json()["username"] == "organizer_a"
    body = '{"phone": "0356-1111111"}'
    path = f"/api/orgs/{tree.branch_a1.code}"
    refused = browser.patch(path, data=body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    allowed = browser.patch(path, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert allowed.status_code == 200, allowed.content
    assert allowed.json()["phone"] == "0356-1111111"


@pytest.mark.django_db
def test_openapi_document_lists_endpoints_and_no_online_docs_page(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    for path in ["/api/orgs", "/api/orgs/{code}", "/api/members", "/api/members/{member_id}", "/api/units"]:
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/orgs/{code}"]) == {"get", "patch"}
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    member_params = {p["name"] for p in schema["paths"]["/api/members"]["get"]["parameters"]}
    assert {"org", "sex", "age_band", "join_year", "is_mobile", "page", "page_size", "sort"} <= member_params
    assert client.get("/api/docs").status_code == 404
