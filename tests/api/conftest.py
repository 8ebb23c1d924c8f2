"""Fixtures of the API tests: a token per fixture account and a small JSON client."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from zugong.accounts import services as account_services
from zugong.accounts.models import User


@pytest.fixture
def tokens(accounts) -> dict[str, str]:
    return {
        name: account_services.token_issue(actor=None, account=account)
        for name, account in accounts.items()
        if isinstance(account, User)
    }


@dataclass
class ApiClient:
    client: Client
    tokens: dict[str, str]

    def __call__(self, method: str, path: str, who: str | None = None, body=None, **query):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[who]}"} if who else {}
        if method == "GET":
            return self.client.get(path, query, **headers)
        data = json.dumps(body if body is not None else {}, default=str)
        return self.client.generic(method, path, data=data, content_type="application/json", **headers)

    def get(self, path: str, who: str, **query):
        return self("GET", path, who, **query)


@pytest.fixture
def api(client, tokens) -> ApiClient:
    return ApiClient(client, tokens)
