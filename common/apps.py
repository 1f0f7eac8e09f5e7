from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The plumbing both services share: outbox, inbox, Kafka runners, API glue."""

    name = "common"
    verbose_name = "Event plumbing"
