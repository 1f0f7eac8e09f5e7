"""The games service's Kafka consumers, by name (``manage_games.py run_consumer NAME``)."""

from common.events.topics import USER_CREATED, USER_DELETED
from common.kafka.consumer import ConsumerSpec
from games_project.players.handlers import handle_user_event

CONSUMERS: dict[str, ConsumerSpec] = {
    "users_projection": ConsumerSpec(
        name="games.users_projection",
        topics=(USER_CREATED, USER_DELETED),
        group_id="games.users_projection",
        handler=handle_user_event,
        description="keeps the projection of users; a deleted user's tokens stop working",
    ),
}
