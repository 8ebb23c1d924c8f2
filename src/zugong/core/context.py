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
