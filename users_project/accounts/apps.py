from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "users_project.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from common.api.errors import domain_errors_register
        from users_project.accounts.errors import ANSWERS

        domain_errors_register(ANSWERS)
