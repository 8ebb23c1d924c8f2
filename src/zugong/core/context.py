"""Per-request context (request id, client address) for audit entries written deep in services."""

from __future__ import annotations

import contextvars
import uuid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("zugong_request_id", default="")
client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("zugong_client_ip", default="")


def current_request_id() -> str:
    rid = request_id.get()
    if not rid:
        # Commands and background jobs: one id per process-level unit of work.
        rid = "cli-" + uuid.uuid4().hex[:12]
        request_id.set(rid)
    return rid


def client_ip_of(request) -> str:
    """The client's address. Behind ZUGONG_PROXY_COUNT trusted reverse proxies (nginx), the address
    the outermost of them saw, from X-Forwarded-For; otherwise the socket's peer."""
    from django.conf import settings

    count = settings.ZUGONG_PROXY_COUNT
    if count:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
