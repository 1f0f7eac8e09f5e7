from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "games_project.catalog"
    label = "catalog"
    verbose_name = "Games catalog and reads"

    def ready(self) -> None:
        from common.api.errors import domain_errors_register
        from games_project.catalog.errors import ANSWERS

        domain_errors_register(ANSWERS)
