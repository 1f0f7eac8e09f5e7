"""The admin's read-only event-flow page: outbox backlog and dead letters."""

from __future__ import annotations

import pytest
from django.test import Client

from common.kafka.config import physical_topic
from tests.users.factories import UserFactory
from users_project.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    # The page is for staff; no model permission is needed to read it.
    client.force_login(staff)
    return client


def test_the_page_shows_the_outbox_backlog_and_dead_letter_counts(staff_client: Client) -> None:
    # Each user created here leaves a user.created row (no relay runs in tests).
    UserFactory.create_batch(2)
    page = staff_client.get("/admin/ops/")
    assert page.status_code == 200
    assert page.context["outbox_pending"] == 3  # the staff user's and these two
    assert [c["topic"] for c in page.context["dead_letters"]] == [physical_topic("user.read.dlq")]
    html = page.content.decode()
    assert "<td>3</td>" in html and physical_topic("user.read.dlq") in html


def test_the_page_is_read_only_and_for_staff_only(staff_client: Client) -> None:
    assert staff_client.post("/admin/ops/").status_code == 405
    anonymous = Client().get("/admin/ops/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
