from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "users_project.accounts"

    def ready(self) -> None:
        # The Celery app, so @shared_task binds to it in web processes too.
        import users_project.celery  # noqa: F401
        from common.api.errors import DOMAIN_ERRORS
        from users_project.accounts.errors import ANSWERS
        from users_project.accounts.models import UserManager
        from users_project.accounts.services import user_create

        DOMAIN_ERRORS.update(ANSWERS)
        UserManager.create_with = user_create
