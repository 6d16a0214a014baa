from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    name = "classroom"

    def ready(self):
        from classroom import checks  # noqa: F401  (registers the start-up checks)
