def scope(request):
    """The current account's scope, for menus and buttons in templates."""
    from zugong.core.scope import scope_for

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope": scope_for(user)}
