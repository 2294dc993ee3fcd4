"""The scoping layer on the records that exist from Part 2: partner institutions and API tokens.

Region scoping of entity data is exercised by the registry tests and the matrix."""

from __future__ import annotations

import pytest
from django.http import Http404

from berdaya.accounts.models import ApiToken, Partner
from berdaya.core.scoping import get_visible_or_404, region_filter, visible
from tests import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return scenario.build()


def make_token(user, name="uji"):
    _raw, prefix, digest = ApiToken.generate()
    return ApiToken.objects.create(user=user, name=name, prefix=prefix, token_hash=digest)


def test_mitra_sees_only_their_own_institution(world):
    assert list(visible(world.users.mitra, Partner)) == [world.bank]
    with pytest.raises(Http404):
        get_visible_or_404(world.users.mitra, Partner, pk=world.other_bank.pk)


def test_office_roles_see_every_institution(world):
    for user in (world.users.admin, world.users.dinas_provinsi, world.users.pimpinan):
        assert set(visible(user, Partner)) == {world.bank, world.other_bank}


def test_roles_without_a_path_see_nothing(world):
    for user in (world.users.pendamping, world.users.konsultan, world.users.pelaku_usaha):
        assert not visible(user, Partner).exists()
    # a district officer: Partner is not located in a region
    assert not visible(world.users.dinas_kabkota, Partner).exists()


def test_tokens_are_visible_to_their_owner_only(world):
    mine = make_token(world.users.dinas_kabkota)
    theirs = make_token(world.users.dinas_kabkota_muna)
    assert list(visible(world.users.dinas_kabkota, ApiToken)) == [mine]
    with pytest.raises(Http404):
        get_visible_or_404(world.users.dinas_kabkota, ApiToken, pk=theirs.pk)


def test_anonymous_and_inactive_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not visible(AnonymousUser(), Partner).exists()
    assert not visible(None, Partner).exists()
    admin = world.users.admin
    admin.is_active = False
    assert not visible(admin, Partner).exists()


def test_malformed_id_is_a_404_not_a_500(world):
    with pytest.raises(Http404):
        get_visible_or_404(world.users.admin, Partner, pk="abc")


def test_region_filter_shapes():
    assert str(region_filter("kabkota", "74.71", 2)) == "(AND: ('kabkota_id', '74.71'))"
    assert "startswith" in str(region_filter("region", "74.71", 4))
    both = str(region_filter("region", "74.71.01", 2))
    assert "74.71.01" in both and "OR" in both


def test_api_tokens_are_personal_for_every_role_province_and_admin_included(world):
    officer_token = make_token(world.users.dinas_provinsi)
    admin_token = make_token(world.users.admin)
    kendari_token = make_token(world.users.dinas_kabkota)
    assert list(visible(world.users.dinas_provinsi, ApiToken)) == [officer_token]
    assert list(visible(world.users.admin, ApiToken)) == [admin_token]
    assert list(visible(world.users.pimpinan, ApiToken)) == []
    with pytest.raises(Http404):
        get_visible_or_404(world.users.admin, ApiToken, pk=kendari_token.pk)
