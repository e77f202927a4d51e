"""The swap changes settings, so it cannot run in the test process: each test gets a
project (``tests.projects.Project``) with a database of its own, from the
``make_project`` fixture of ``tests/conftest.py``."""
