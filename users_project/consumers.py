"""The users service's Kafka consumers, by name (``manage_users.py run_consumer NAME``)."""

from common.events.topics import USER_READ
from common.kafka.consumer import ConsumerSpec
from users_project.accounts.handlers import handle_user_reads

CONSUMERS: dict[str, ConsumerSpec] = {
    "read_history": ConsumerSpec(
        name="users.read_history",
        topics=(USER_READ,),
        group_id="users.read_history",
        handlers={USER_READ: handle_user_reads},
        description="stores each user.read event in the user's read history, once",
    ),
}
