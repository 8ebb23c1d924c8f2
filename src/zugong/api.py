"""The REST API under /api/ (django-ninja): token auth, the same scope as the pages."""

from ninja import NinjaAPI

api = NinjaAPI(title="zugong 组工综合管理平台 API", version="1", urls_namespace="api")
