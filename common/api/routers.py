from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter


class PublicAPIRootView(APIRootView):
    """The list of endpoints is for anyone: it is where a browser starts."""

    permission_classes = [AllowAny]
    name = "API root"


class OptionalSlashRouter(DefaultRouter):
    """Routes that answer with and without the trailing slash, with no
    redirect (which would drop a POST body); DRF's argument is only a bool."""

    APIRootView = PublicAPIRootView

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
