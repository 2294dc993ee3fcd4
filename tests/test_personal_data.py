"""Personal data at rest (SPEC §6): encrypted, found by keyed hash, shown masked, never in the audit trail."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from berdaya.core import personal
from berdaya.core.audit import acting, history
from berdaya.core.models import AuditAction
from berdaya.registry import services
from berdaya.registry.models import Person
from tests.factories import KENDARI_DESA, PersonFactory, UmkmFactory, UserFactory

NIK = "7471011708850001"
PHONE = "081234567890"


# --- the primitives ------------------------------------------------------------------------------


def test_encrypt_round_trip_and_randomised():
    token = personal.encrypt(NIK)
    assert token != NIK and NIK not in token
    assert personal.decrypt(token) == NIK
    assert personal.encrypt(NIK) != token  # a fresh IV each time: equal NIKs do not show as equal
    assert personal.encrypt(None) is None and personal.encrypt("") is None
    assert personal.decrypt(None) is None


def test_decrypt_with_another_key_fails_clearly(settings):
    token = personal.encrypt(NIK)
    settings.PERSONAL_DATA_KEY = "another-personal-data-key-0123456789-abcdefgh"
    with pytest.raises(personal.PersonalDataError, match="PERSONAL_DATA_KEY"):
        personal.decrypt(token)


def test_lookup_hash_is_keyed_and_deterministic(settings):
    digest = personal.lookup_hash(NIK)
    assert digest == personal.lookup_hash(NIK)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest != hashlib.sha256(NIK.encode()).hexdigest()  # not guessable without the key
    settings.PERSONAL_DATA_KEY = "another-personal-data-key-0123456789-abcdefgh"
    assert personal.lookup_hash(NIK) != digest


def test_both_keys_derive_from_one_secret_but_differ():
    _fernet, hmac_key = personal._keys("one-secret-for-both-keys-0123456789")
    assert len(hmac_key) == 32
    encryption_key = personal._derive("one-secret-for-both-keys-0123456789", personal._ENCRYPTION_INFO)
    assert encryption_key != hmac_key


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (NIK, "7471**********01"),
        ("7471015708850002", "7471**********02"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_nik(value, masked):
    assert personal.mask_nik(value) == masked


def test_mask_phone():
    assert personal.mask_phone(PHONE) == "0812******90"
    assert personal.mask_phone("04013123456") == "0401*****56"
    assert personal.mask_phone("") == ""
    assert personal.mask_phone("12345") == "*****"  # too short to show any digit safely


# --- the Person model --------------------------------------------------------------------------


@pytest.mark.django_db
def test_nik_is_stored_encrypted_hashed_and_masked():
    person = services.create_person(name="Wa Ode Sitti", nik=NIK, phone=PHONE, region=KENDARI_DESA)
    person.refresh_from_db()
    assert person.nik_masked == "7471**********01"
    assert person.phone_masked == "0812******90"
    assert person.nik_hash == personal.lookup_hash(NIK)
    assert person.reveal_nik(log=False) == NIK
    assert person.reveal_phone(log=False) == PHONE
    assert person.sex == "L" and person.birth_year == 1985
    assert person.kabkota_id == "74.71"

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_person WHERE id = %s", [person.pk])
        row = cursor.fetchone()
    stored = " ".join(str(v) for v in row)
    assert NIK not in stored
    assert PHONE not in stored
    assert "170885" not in stored  # not even the birth-date digits


@pytest.mark.django_db
def test_hash_lookup_finds_the_person_however_the_nik_is_written():
    person = PersonFactory(nik=NIK)
    PersonFactory()
    assert list(Person.objects.with_nik(NIK)) == [person]
    assert list(Person.objects.with_nik("7471 0117 0885 0001")) == [person]
    assert not Person.objects.with_nik("7471011708859999").exists()
    assert not Person.objects.with_nik("").exists()


@pytest.mark.django_db
def test_nik_is_write_only():
    person = PersonFactory(nik=NIK)
    with pytest.raises(AttributeError):
        person.nik  # noqa: B018


@pytest.mark.django_db
def test_women_are_recognised_from_the_nik():
    person = services.create_person(name="Wa Ode Sitti", nik="7471015708850002")
    assert person.sex == "P"


@pytest.mark.django_db
def test_sex_contradicting_the_nik_is_rejected():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        services.create_person(name="La Ode", nik="7471015708850002", sex="L")
    assert "sex" in info.value.message_dict
    assert "tidak cocok dengan NIK" in info.value.message_dict["sex"][0]


@pytest.mark.django_db
def test_second_person_with_the_same_nik_is_rejected_naming_the_first():
    from django.core.exceptions import ValidationError

    services.create_person(name="La Ode Hamid", nik=NIK)
    with pytest.raises(ValidationError) as info:
        services.create_person(name="Hamid", nik="7471-0117-0885-0001")
    error = info.value.error_dict["nik"][0]
    assert error.code == "duplicate_nik"
    assert "La Ode Hamid" in info.value.message_dict["nik"][0]


@pytest.mark.django_db
def test_people_without_nik_do_not_collide():
    # NULL, not "": the unique index admits any number of people without a NIK.
    first = services.create_person(name="Tanpa NIK 1")
    second = services.create_person(name="Tanpa NIK 2")
    assert first.nik_hash is None and second.nik_hash is None


@pytest.mark.django_db
def test_revealing_a_nik_is_logged():
    person = PersonFactory(nik=NIK)
    viewer = UserFactory()
    with acting(user=viewer):
        assert person.reveal_nik() == NIK
    event = history(person).filter(action=AuditAction.VIEW_PERSONAL).get()
    assert event.actor == viewer
    assert event.extra == {"field": "nik"}
    assert NIK not in json.dumps(event.changes)


@pytest.mark.django_db
def test_audit_trail_of_a_person_holds_only_masked_values():
    person = services.create_person(name="Wa Ode Sitti", nik=NIK, phone=PHONE)
    services.update_person(person, phone="082199998877")
    dumped = json.dumps([e.changes for e in history(person)])
    for secret in (NIK, PHONE, "082199998877", person.nik_encrypted, person.nik_hash):
        assert secret not in dumped
    assert "7471**********01" in dumped
    assert "0821******77" in dumped


@pytest.mark.django_db
def test_audit_trail_of_an_entity_update_holds_only_masked_values():
    umkm = UmkmFactory()
    services.update_entity(umkm.entity, phone=PHONE, name="Kue Basah Bu Ani")
    services.update_entity(umkm.entity, phone="+62 813 1111 2233")
    events = list(history(umkm.entity))
    dumped = json.dumps([e.changes for e in events])
    assert PHONE not in dumped and "081311112233" not in dumped
    assert "encrypted" not in dumped  # the ciphertext column is not copied either
    latest = events[0].changes
    assert latest["phone_masked"] == ["0812******90", "0813******33"]
    assert events[1].changes["name"][1] == "Kue Basah Bu Ani"


@pytest.mark.django_db
def test_individual_npwp_is_personal_data_too():
    umkm = UmkmFactory()
    services.update_entity(umkm.entity, npwp=NIK)  # since 2024 an individual's NPWP is the NIK
    umkm.refresh_from_db()
    assert umkm.npwp_masked == "7471**********01"
    assert umkm.reveal_npwp(log=False) == NIK
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_umkm WHERE entity_id = %s", [umkm.pk])
        assert NIK not in " ".join(str(v) for v in cursor.fetchone())
    assert NIK not in json.dumps([e.changes for e in history(umkm)])


# --- settings ------------------------------------------------------------------------------------

BERDAYA = str(Path(sys.executable).with_name("berdaya"))
GOOD_KEY = "k" * 50


def run_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "PERSONAL_DATA_KEY", "PERSONAL_DATA_KEY_FILE"}
    }
    base.update(BERDAYA_VAR_DIR=str(tmp_path), SECRET_KEY=GOOD_KEY)
    base.update(env)
    return subprocess.run(
        [BERDAYA, "check", "--deploy", "--fail-level", "CRITICAL"],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "PERSONAL_DATA_KEY belum diatur"),
        ({"PERSONAL_DATA_KEY": "short"}, "terlalu pendek"),
        ({"PERSONAL_DATA_KEY": GOOD_KEY}, "harus berbeda dari SECRET_KEY"),
        ({"PERSONAL_DATA_KEY_FILE": "/nonexistent/key"}, "tidak dapat dibaca"),
        ({"PERSONAL_DATA_KEY": "p" * 40, "KOPERASI_RAT_WINDOW_YEARS": "0"}, "KOPERASI_RAT_WINDOW_YEARS"),
    ],
)
def test_personal_data_key_is_required_in_production(tmp_path, env, message):
    result = run_check(tmp_path, **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_personal_data_key_from_a_file(tmp_path):
    key = tmp_path / "personal_data_key"
    key.write_text("p" * 50 + "\n")
    assert run_check(tmp_path, PERSONAL_DATA_KEY_FILE=str(key)).returncode == 0


def test_debug_runs_without_a_personal_data_key(tmp_path):
    assert run_check(tmp_path, DEBUG="1").returncode == 0
