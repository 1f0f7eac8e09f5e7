"""The catalog's part of ``common.api.errors.DOMAIN_ERRORS`` (added by ``CatalogConfig.ready``)."""

from __future__ import annotations

from common.api.errors import ErrorAnswer
from games_project.catalog.client import UpstreamBusy, UpstreamUnavailable
from games_project.catalog.gateway import NotFoundCached
from games_project.catalog.services import UserDeleted

UPSTREAM_DOWN = "The games API is unavailable and nothing is cached for this request."
UPSTREAM_BUSY = "Too many uncached requests right now; try again shortly."

ANSWERS: dict[type[Exception], ErrorAnswer] = {
    NotFoundCached: ErrorAnswer(
        404, "not_found", "No game with this id.", headers=lambda exc: {"X-Cache": exc.status}
    ),
    UpstreamUnavailable: ErrorAnswer(
        503, "upstream_unavailable", UPSTREAM_DOWN, headers={"Retry-After": "30"}
    ),
    UpstreamBusy: ErrorAnswer(503, "upstream_busy", UPSTREAM_BUSY, headers={"Retry-After": "2"}),
    UserDeleted: ErrorAnswer(403, "permission_denied", "This user has been deleted."),
}
