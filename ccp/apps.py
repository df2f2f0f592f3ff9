from django.apps import AppConfig


class CcpConfig(AppConfig):
    name = "ccp"
    verbose_name = "Task contact center"
