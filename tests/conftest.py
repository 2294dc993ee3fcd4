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


def _order(item) -> int:
    if item.get_closest_marker("browser") is not None:
        return 2
    marker = item.get_closest_marker("django_db")
    return 1 if marker is not None and marker.kwargs.get("transaction") else 0


def pytest_collection_modifyitems(config, items):
    # Transactional tests (browser tests, races between connections) flush the database when
    # they end, reference data included; running them last keeps every other test on the
    # migrated data.
    items.sort(key=_order)


@pytest.fixture
def reference_data(transactional_db):
    """Regions, KBLI and the shipped instruments put back for a transactional test (an earlier one
    may have flushed them); each loader upserts or skips, so this is cheap when they are there."""
    from berdaya.diagnosis.apps import _install_defaults
    from berdaya.regions import loader
    from berdaya.regions.models import Region
    from berdaya.registry.models import Kbli
    from berdaya.registry.reference import load_kbli, read_kbli

    loader.load(Region, loader.rows_for(loader.shipped_full_provinces()))
    if not Kbli.objects.exists():
        load_kbli(Kbli, read_kbli())
    _install_defaults(None)
