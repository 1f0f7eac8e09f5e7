"""Event contracts shared by both services: ``topics`` (names), ``contracts``
(the registry), one module per event family (``users``, ``reads``), ``event``
and its wire form ``envelope``, whose ``decode`` knows every family.

Nothing is imported here, so importing a submodule runs no other."""
