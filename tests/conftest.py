from __future__ import annotations

import pytest

from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def officer(db):
    """A provincial office officer (named persona, as in healthchecks' tests)."""
    return UserFactory(username="siti", first_name="Siti", last_name="Rahmawati")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def pytest_collection_modifyitems(config, items):
    # Transactional (browser) tests flush the database when they end, reference data
    # included; running them last keeps every other test on the migrated data.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
