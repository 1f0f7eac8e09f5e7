from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "users_project.accounts"
    label = "accounts"
    verbose_name = "Accounts"
