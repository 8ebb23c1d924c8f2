from django.test import RequestFactory

from zugong.core.context import client_ip_of


def test_socket_address_without_proxies(settings):
    settings.ZUGONG_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip_of(request) == "10.0.0.5"  # a client cannot forge its address


def test_forwarded_address_behind_one_proxy(settings):
    settings.ZUGONG_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 10.1.2.3")
    assert client_ip_of(request) == "10.1.2.3"
