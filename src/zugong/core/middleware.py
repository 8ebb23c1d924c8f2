import uuid

from zugong.core import context


class RequestIdMiddleware:
    """Gives every request an id that its audit entries carry and the response echoes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        t1 = context.request_id.set(rid)
        t2 = context.client_ip.set(context.client_ip_of(request))
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(t1)
            context.client_ip.reset(t2)
        response["X-Request-ID"] = rid
        return response
