"""Event contracts shared by both services. Nothing is imported here, so
importing a submodule runs no other."""
