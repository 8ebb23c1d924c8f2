from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "zugong.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self) -> None:
        from zugong.core import paths
        from zugong.dues.models import Dues, DuesPayment

        paths.follow_moves(Dues, DuesPayment)
