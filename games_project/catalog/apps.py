from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "games_project.catalog"
    label = "catalog"
    verbose_name = "Games catalog and reads"

    def ready(self) -> None:
        from common.api.errors import DOMAIN_ERRORS
        from games_project.catalog.errors import ANSWERS

        DOMAIN_ERRORS.update(ANSWERS)
