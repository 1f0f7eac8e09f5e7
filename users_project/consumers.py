"""The users service's Kafka consumers, by name (``manage_users.py run_consumer NAME``)."""

from common.events.topics import USER_READ
from common.kafka.consumer import ConsumerSpec
from users_project.accounts.handlers import handle_user_reads

CONSUMERS: dict[str, ConsumerSpec] = {
    "read_history": ConsumerSpec(
        name="users.read_history",
        topics=(USER_READ,),
        group_id="users.read_history",
        # No inbox wrapper: a stored read's unique event_id is the inbox.
        # Processed-event rows left by earlier versions stay harmless: each
        # event that has one has its history row too, so it is still skipped.
        handlers={USER_READ: handle_user_reads},
        description="stores each user.read event in the user's read history, once",
    ),
}
