"""Event contracts shared by both services.

Importing this package registers every contract, so ``decode`` knows them all.
"""

from common.events import reads, users  # noqa: F401  (registers the contracts)
from common.events.envelope import Event, decode
from common.events.errors import EventDecodeError

__all__ = ["Event", "EventDecodeError", "decode"]
