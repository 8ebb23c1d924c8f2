from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "zugong.dues"
    label = "dues"
    verbose_name = "党费"
