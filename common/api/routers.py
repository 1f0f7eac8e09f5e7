from rest_framework.routers import DefaultRouter


class OptionalSlashRouter(DefaultRouter):
    """Routes that answer with and without the trailing slash.

    DRF's ``trailing_slash`` argument only takes a boolean, so the regex is
    set after construction. No redirect is involved, so a POST body survives.
    """

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
