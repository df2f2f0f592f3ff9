from django.apps import AppConfig


class CcpConfig(AppConfig):
    name = "ccp"
    verbose_name = "Task contact center"

    def ready(self):
        from ccp import checks  # noqa: F401  (registers the deploy checks)
