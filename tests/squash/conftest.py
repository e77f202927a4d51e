"""The squash tests work on projects of their own (``tests.projects``): a copy of the example
(``example``), or a project a test writes, each with a database of its own."""

from __future__ import annotations

import pytest

from tests.projects import Project


@pytest.fixture
def example(example_project: Project) -> Project:
    """A copy of the example project; nothing is ever written into example/ itself."""
    return example_project
