"""The users service's Kafka consumers, by name (``manage_users.py run_consumer NAME``)."""

from common.kafka.consumer import ConsumerSpec

CONSUMERS: dict[str, ConsumerSpec] = {}
