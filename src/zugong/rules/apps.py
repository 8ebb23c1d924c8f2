from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zugong.rules"
    label = "rules"
    verbose_name = "规则"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from zugong.rules import packs

        post_migrate.connect(packs.load_shipped_packs_after_migrate, sender=self)

        from zugong.core import paths
        from zugong.rules.services import move_pack_paths

        paths.on_subtree_move(move_pack_paths)  # and drops the engine's cache
