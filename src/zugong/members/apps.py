from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "zugong.members"
    label = "members"
    verbose_name = "党员"
