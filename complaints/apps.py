from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints"

    def ready(self) -> None:
        from config.database import use_fast_timestamps

        connection_created.connect(use_fast_timestamps, dispatch_uid="fast-timestamps")
