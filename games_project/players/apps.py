from django.apps import AppConfig


class PlayersConfig(AppConfig):
    name = "games_project.players"
    verbose_name = "Users projection"
