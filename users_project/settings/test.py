"""pytest: the same real services as development, with test-only tweaks."""

from common.env import env
from common.settings import secret_key

from .base import *  # noqa: F403

SECRET_KEY = secret_key("USERS_DJANGO_SECRET_KEY")
# Apart from a running system's keys in the shared Redis (side-by-side copies set theirs).
CACHES["default"]["KEY_PREFIX"] = f"test-{CACHES['default']['KEY_PREFIX']}"
JWT_GENERATE_DEVELOPMENT_KEY = True
# Tasks enqueued by tests go to a queue no development worker reads.
CELERY_TASK_DEFAULT_QUEUE = env.str("USERS_CELERY_QUEUE", default="users-test")
