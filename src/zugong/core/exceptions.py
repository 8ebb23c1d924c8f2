from django.http import Http404


class NotInScope(Http404):
    """The object lies outside the account's subtree: answered as not found, so nothing leaks."""
