class EventDecodeError(ValueError):
    """A message is not a valid event; the message says why."""
