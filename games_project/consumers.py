"""The games service's Kafka consumers, by name (``manage_games.py run_consumer NAME``)."""

from common.kafka.consumer import ConsumerSpec

CONSUMERS: dict[str, ConsumerSpec] = {}
