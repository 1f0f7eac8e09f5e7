"""The games service's Kafka consumers, by name (``manage_games.py run_consumer NAME``)."""

from common.events.topics import USER_CREATED, USER_DELETED
from common.inbox.services import inbox
from common.kafka.consumer import ConsumerSpec
from games_project.players.handlers import handle_users_created, handle_users_deleted

PROJECTION = "games.users_projection"

CONSUMERS: dict[str, ConsumerSpec] = {
    "users_projection": ConsumerSpec(
        name=PROJECTION,
        topics=(USER_CREATED, USER_DELETED),
        group_id=PROJECTION,
        handlers={
            USER_CREATED: inbox(PROJECTION, handle_users_created),
            USER_DELETED: inbox(PROJECTION, handle_users_deleted),
        },
        description="keeps the projection of users; a deleted user's tokens stop working",
    ),
}
