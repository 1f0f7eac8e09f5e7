from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "games_project.catalog"
    label = "catalog"
    verbose_name = "Games catalog and reads"
