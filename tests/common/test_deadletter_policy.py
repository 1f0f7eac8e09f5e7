"""The consumers' dead-letter policy on its own (no broker): when dead letters
stop a consumer, and when they do not."""

from __future__ import annotations

import pytest

from common.kafka.deadletter_policy import DeadLetterLimitReached, DeadLetterPolicy


def dead_letter(policy: DeadLetterPolicy) -> None:
    policy.check_dead_letter()
    policy.record_dead_letter()


def test_more_dead_letters_in_a_row_than_allowed_stop_and_the_message_names_the_setting() -> None:
    policy = DeadLetterPolicy(max_consecutive=3, max_ratio=1)
    for _ in range(3):
        dead_letter(policy)
    with pytest.raises(DeadLetterLimitReached, match=r"4 dead letters in a row.*MAX_CONSECUTIVE=3"):
        policy.check_dead_letter()


def test_one_handled_event_between_dead_letters_starts_the_count_again() -> None:
    policy = DeadLetterPolicy(max_consecutive=3, max_ratio=1)
    for _ in range(10):
        dead_letter(policy)
        dead_letter(policy)
        dead_letter(policy)
        policy.record_handled()


def test_a_refused_check_counts_nothing() -> None:
    policy = DeadLetterPolicy(max_consecutive=1, max_ratio=1)
    dead_letter(policy)
    for _ in range(5):
        with pytest.raises(DeadLetterLimitReached, match="2 dead letters in a row"):
            policy.check_dead_letter()
    policy.record_handled()
    dead_letter(policy)  # allowed again after a handled event


def test_a_share_of_the_window_over_the_ratio_stops() -> None:
    policy = DeadLetterPolicy(max_consecutive=0, max_ratio=0.5, window=10)
    # Half of every window dead: at the ratio, not over it.
    for _ in range(50):
        dead_letter(policy)
        policy.record_handled()
    policy.record_handled()  # the window: 4 dead of 10
    dead_letter(policy)  # 5 of 10
    dead_letter(policy)  # a handled one slid out: still 5 of 10
    with pytest.raises(DeadLetterLimitReached, match=r"6 dead letters in the last 10.*RATIO=0\.5"):
        dead_letter(policy)


def test_the_ratio_is_judged_only_once_the_window_is_full() -> None:
    policy = DeadLetterPolicy(max_consecutive=0, max_ratio=0.5, window=10)
    for _ in range(9):
        dead_letter(policy)  # 9 of 9: no verdict yet
    with pytest.raises(DeadLetterLimitReached, match="10 dead letters in the last 10"):
        policy.check_dead_letter()


def test_a_big_handled_batch_clears_the_window() -> None:
    policy = DeadLetterPolicy(max_consecutive=0, max_ratio=0.5, window=10)
    for _ in range(5):
        dead_letter(policy)
    policy.record_handled(500)
    for _ in range(5):
        dead_letter(policy)  # 5 of 10
    with pytest.raises(DeadLetterLimitReached):
        policy.check_dead_letter()


def test_zero_and_one_switch_the_limits_off() -> None:
    policy = DeadLetterPolicy(max_consecutive=0, max_ratio=1, window=10)
    for _ in range(10_000):
        dead_letter(policy)


def test_the_defaults_let_ordinary_poison_messages_through() -> None:
    policy = DeadLetterPolicy()
    for _ in range(20):  # a poison message among every 50 good events, for a long time
        for _ in range(5):
            dead_letter(policy)
            policy.record_handled(10)
    for _ in range(policy.max_consecutive):  # a run of bad events, up to the limit
        dead_letter(policy)
    with pytest.raises(DeadLetterLimitReached):
        policy.check_dead_letter()


def test_the_policy_comes_from_the_settings(settings) -> None:
    settings.CONSUMER_DLQ_MAX_CONSECUTIVE = 7
    settings.CONSUMER_DLQ_MAX_RATIO = 0.25
    settings.CONSUMER_DLQ_RATIO_WINDOW = 400
    policy = DeadLetterPolicy()
    assert (policy.max_consecutive, policy.max_ratio, policy.window) == (7, 0.25, 400)


@pytest.mark.parametrize("kwargs", [{"max_consecutive": -1}, {"max_ratio": -0.1}, {"window": 0}])
def test_a_nonsense_policy_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="invalid dead-letter policy"):
        DeadLetterPolicy(**kwargs)
