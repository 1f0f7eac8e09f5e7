from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "games_project.catalog"
    label = "catalog"
    verbose_name = "Games catalog and reads"

    def ready(self) -> None:
        # The project's Celery app, loaded with Django (not by the package's
        # __init__, which its own celery module would import back), so that
        # @shared_task binds to it in web processes too.
        import games_project.celery  # noqa: F401
        from common.api.errors import DOMAIN_ERRORS
        from games_project.catalog import gateway, tasks
        from games_project.catalog.errors import ANSWERS

        DOMAIN_ERRORS.update(ANSWERS)
        gateway.refresh_game = tasks.refresh_game.delay
        gateway.refresh_game_list = tasks.refresh_game_list.delay
