"""The audit log's integrity in the database (AU-3/4/5), on SQLite and PostgreSQL: triggers refuse every way of
changing or removing records, checkpoints reveal the removal of the newest ones, and the retention purge is the one
audited way through."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from kaifaqu.accounts.audit import (
    ChainBroken,
    purge_expired,
    record_event,
    verify_chain,
    write_checkpoint,
)
from kaifaqu.accounts.choices import AuditEventChoices, CheckpointReasonChoices, RoleChoices
from kaifaqu.accounts.models import AuditCheckpoint, AuditEvent, Membership, User
from kaifaqu.accounts.tests.tamper import triggers_off

EVENTS = AuditEvent._meta.db_table
CHECKPOINTS = AuditCheckpoint._meta.db_table


def some_events(count=3):
    return [record_event(AuditEventChoices.LOGIN, username=f"user{i}") for i in range(count)]


def row_count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (names from the models)
        return cursor.fetchone()[0]


def refused(statement, params=()):
    """Run raw SQL in a savepoint; True when the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError as error:
        assert "append-only" in str(error)
        return True
    return False


# ------------------------------------------------------------------------------------------------ the triggers
def test_orm_update_and_delete_through_the_base_manager_are_refused(db):
    entry = some_events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent._base_manager.filter(pk=entry.pk).update(username="mallory")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent._base_manager.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent._base_manager.all().delete()
    assert AuditEvent.objects.get(pk=entry.pk).username == "user0"


@pytest.mark.parametrize("table", [EVENTS, CHECKPOINTS])
def test_raw_sql_update_and_delete_are_refused(db, table):
    some_events(2)
    write_checkpoint(CheckpointReasonChoices.SCHEDULED)
    column = "username" if table == EVENTS else "created_by"
    before = row_count(table)
    assert refused(f"UPDATE {table} SET {column} = 'mallory'")  # noqa: S608
    assert refused(f"DELETE FROM {table} WHERE id = (SELECT MAX(id) FROM {table})")  # noqa: S608
    assert refused(f"DELETE FROM {table}")  # noqa: S608
    assert row_count(table) == before


def test_truncate_is_refused_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused above")
    some_events(1)
    assert refused(f"TRUNCATE {EVENTS}")
    assert refused(f"TRUNCATE {CHECKPOINTS}")


def test_inserting_is_still_allowed_and_the_checkpoint_model_is_append_only(db):
    checkpoint = write_checkpoint(CheckpointReasonChoices.SCHEDULED)
    with pytest.raises(PermissionError):
        checkpoint.save()
    with pytest.raises(PermissionError):
        AuditCheckpoint.objects.all().delete()


def test_deleting_an_account_leaves_its_audit_records_alone(db):
    user = make_user("leaving")
    entry, user_id = record_event(AuditEventChoices.LOGIN, user=user), user.pk
    user.delete()  # the ORM no longer tries to null the records' user column (that UPDATE would be refused)
    entry = AuditEvent.objects.get(pk=entry.pk)
    assert (entry.user_id, entry.username) == (user_id, "leaving")
    assert verify_chain() is None


# ---------------------------------------------------------------------------------------- checkpoints, verify
def test_removing_the_newest_records_is_caught_by_the_checkpoint(db):
    events = some_events(4)
    checkpoint = write_checkpoint(CheckpointReasonChoices.SCHEDULED, by="cron")
    assert (checkpoint.row_count, checkpoint.head_pk, checkpoint.head_hash) == (
        4,
        events[-1].pk,
        events[-1].record_hash,
    )
    assert verify_chain() is None
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id >= %s", [events[2].pk])  # noqa: S608
    broken = verify_chain()
    assert broken is not None and broken.pk == events[-1].pk and broken.checkpoint == checkpoint


def test_without_a_checkpoint_removing_the_newest_records_goes_unseen(db):
    """Why checkpoints exist: the hash chain alone cannot tell a shortened log from a short one."""
    events = some_events(3)
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id = %s", [events[-1].pk])  # noqa: S608
    assert verify_chain() is None


def test_an_older_checkpoint_still_catches_it_when_a_newer_one_was_forged(db):
    events = some_events(3)
    write_checkpoint(CheckpointReasonChoices.SCHEDULED)
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id = %s", [events[-1].pk])  # noqa: S608
    write_checkpoint(CheckpointReasonChoices.SCHEDULED)  # a seal of the shortened log
    assert verify_chain().pk == events[-1].pk


def test_removing_the_oldest_records_is_caught(db):
    events = some_events(3)
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id = %s", [events[0].pk])  # noqa: S608
    assert verify_chain().pk == events[1].pk


def test_a_checkpoint_whose_record_was_rewritten_is_caught(db):
    events = some_events(2)
    write_checkpoint(CheckpointReasonChoices.SCHEDULED)
    forged = AuditEvent(username="mallory", event=AuditEventChoices.LOGIN, previous_hash=events[0].record_hash)
    forged.occurred_at = events[1].occurred_at
    forged.record_hash = forged.compute_hash()
    with triggers_off() as cursor:  # a consistent rewrite of the newest record: the chain alone would accept it
        cursor.execute(
            f"UPDATE {EVENTS} SET username = %s, record_hash = %s WHERE id = %s",  # noqa: S608
            [forged.username, forged.record_hash, events[1].pk],
        )
    assert verify_chain().pk == events[1].pk


def test_no_checkpoint_is_written_over_a_broken_chain(personas, client_for):
    events = some_events(2)
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET username = 'x' WHERE id = %s", [events[0].pk])  # noqa: S608
    response = client_for(personas["audit_admin"]).get(reverse("accounts:audit_list"), {"verify": "1"})
    assert response.context["broken"].pk == events[0].pk
    assert not AuditCheckpoint.objects.exists()
    with pytest.raises(Exception, match="broken"):
        call_command("audit_log", "checkpoint")
    assert not AuditCheckpoint.objects.exists()


# ------------------------------------------------------------------------------------------------------ purge
def test_purge_removes_only_expired_records_and_is_audited(db, settings):
    start = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 30)
    with time_machine.travel(start, tick=False):
        old = some_events(3)
    with time_machine.travel(start + timedelta(days=40), tick=False):
        young = some_events(1)[0]  # 10 days inside the retention period
    with time_machine.travel(start + timedelta(days=1), tick=False):
        out_of_order = record_event(AuditEventChoices.LOGIN, username="late clock")  # old time, newer in the chain
    write_checkpoint(CheckpointReasonChoices.SCHEDULED)

    assert purge_expired(by="tester") == 3

    kept = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert kept[:2] == [young.pk, out_of_order.pk]  # the chain keeps a prefix: never a record after a young one
    purge = AuditEvent.objects.get(event=AuditEventChoices.AUDIT_PURGE)
    assert purge.username == "tester" and purge.detail["deleted"] == 3
    assert purge.detail["through"] == old[-1].pk and purge.detail["boundary_hash"] == old[-1].record_hash
    seal = AuditCheckpoint.objects.latest("pk")
    assert seal.reason == CheckpointReasonChoices.PURGE and seal.first_pk == young.pk
    assert seal.first_previous_hash == old[-1].record_hash and seal.head_pk == purge.pk
    assert verify_chain() is None
    # The guard is down again at once, in the same transaction.
    assert refused(f"DELETE FROM {EVENTS}")  # noqa: S608
    # And after a purge, removing what it kept is still caught.
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id = %s", [young.pk])  # noqa: S608
    assert verify_chain().pk == young.pk


def test_purge_of_everything_still_leaves_a_verifiable_log(db, settings):
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1), tick=False):
        some_events(2)
    assert purge_expired() == 2
    assert list(AuditEvent.objects.values_list("event", flat=True)) == [AuditEventChoices.AUDIT_PURGE]
    assert verify_chain() is None


def test_purge_keeps_everything_younger_than_the_retention_period(db, settings):
    assert settings.AUDIT_RETENTION_DAYS >= 184
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS - 1), tick=False):
        some_events(2)
    assert purge_expired() == 0
    assert AuditEvent.objects.count() == 2 and not AuditCheckpoint.objects.exists()


def test_purge_refuses_a_broken_chain(db, settings):
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1), tick=False):
        events = some_events(2)
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET username = 'x' WHERE id = %s", [events[1].pk])  # noqa: S608
    with pytest.raises(ChainBroken):
        purge_expired()
    assert AuditEvent.objects.count() == 2


def test_audit_log_command(db, settings, capsys):
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1), tick=False):
        some_events(2)
    call_command("audit_log", "verify")
    call_command("audit_log", "checkpoint")
    call_command("audit_log", "purge")
    out = capsys.readouterr().out
    assert "intact" in out and "checkpoint" in out and "purged 2" in out
    assert AuditEvent.objects.get(event=AuditEventChoices.AUDIT_PURGE).username.startswith("manage.py")
    assert verify_chain() is None


# ------------------------------------------------------------------------------------------- the audit page
def test_audit_admin_verifies_sees_and_exports_checkpoints(personas, client_for):
    some_events(2)
    client = client_for(personas["audit_admin"])
    response = client.get(reverse("accounts:audit_list"), {"verify": "1"})
    assert response.context["verified"] and response.context["broken"] is None
    seal = AuditCheckpoint.objects.get()
    assert seal.reason == CheckpointReasonChoices.VERIFIED and seal.created_by == "auditadmin"
    assert seal.head_hash in response.content.decode()
    export = client.get(reverse("accounts:audit_list"), {"format": "checkpoints"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(event=AuditEventChoices.EXPORT, detail__list="audit_checkpoints").exists()


@pytest.mark.parametrize("persona", ["system_admin", "security_admin", "zone_admin_a"])
def test_only_the_audit_admin_exports_checkpoints(personas, client_for, persona):
    response = client_for(personas[persona]).get(reverse("accounts:audit_list"), {"format": "checkpoints"})
    assert response.status_code == 404


# -------------------------------------------------------------------------------- the recovery command
def test_admin_account_command_resets_an_administrator_password_and_is_audited(personas):
    auditor = personas["audit_admin"]
    call_command("admin_account", "reset-password", "auditadmin", password="Kfq-server-2026!")
    auditor.refresh_from_db()
    assert auditor.check_password("Kfq-server-2026!") and auditor.must_change_password
    assert AuditEvent.objects.filter(event=AuditEventChoices.PASSWORD_RESET, object_repr=str(auditor)).exists()
    record = AuditEvent.objects.get(event=AuditEventChoices.CONFIG_CHANGE)
    assert record.username.startswith("manage.py") and record.detail == {"admin_account": "reset-password"}


def test_admin_account_command_keeps_one_of_three(personas):
    with pytest.raises(Exception, match="三员分立"):
        call_command("admin_account", "grant", "sysadmin", "audit_admin")
    assert set(personas["system_admin"].memberships.values_list("role", flat=True)) == {RoleChoices.SYSTEM_ADMIN}


# ------------------------------------------------------------------------------------ one of three, in the DB
def test_the_database_refuses_a_second_admin_role(db):
    user = make_user("dual", RoleChoices.SYSTEM_ADMIN)
    for role in (RoleChoices.AUDIT_ADMIN, RoleChoices.SYSTEM_ADMIN):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=user, role=role)  # no clean(): only the index stands in the way
    Membership.objects.create(user=user, role=RoleChoices.REGION_VIEWER, region_id="140500")


@pytest.fixture(scope="module")
def refilled_afterwards(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush, and the browser modules snapshot the tables when they start
    (conftest.migrated_rows): put the migrations' rows back after this module's transactional tests."""
    yield
    main = connections[DEFAULT_DB_ALIAS]
    with django_db_blocker.unblock():
        main.creation.deserialize_db_from_string(main._test_serialized_contents)


def race(count, work):
    """Start `count` threads on `work(i)` at the same moment, each on its own connection; return their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 (reported to the test)
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


RIVALS = (RoleChoices.SYSTEM_ADMIN, RoleChoices.AUDIT_ADMIN)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("refilled_afterwards")
def test_simultaneous_admin_grants_answer_a_form_error_never_500(world, personas):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the in-memory test database cannot race threads")
    admin = personas["security_admin"]
    clients = [Client(raise_request_exception=False) for _ in range(2)]
    for client in clients:
        client.force_login(admin)
    for attempt in range(8):
        target = make_user(f"newcomer{attempt}")
        url = reverse("accounts:user", args=[target.pk])
        responses = race(2, lambda i, url=url: clients[i].post(url, {"action": "grant", "role": RIVALS[i]}))
        statuses = sorted(r.status_code for r in responses)
        # One grant; the other is refused with the 三员分立 message: a form error when it lost the race at the
        # database, 403 when the winner had already committed (the account is now another kind of administrator).
        assert statuses in ([200, 302], [302, 403]), statuses
        assert target.memberships.count() == 1, attempt
        for response in responses:
            if response.status_code != 302:
                assert "三员分立" in response.content.decode()
    assert verify_chain() is None  # the audit records of simultaneous requests still form one chain


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("refilled_afterwards")
def test_simultaneous_audit_records_form_one_chain(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the in-memory test database cannot race threads")
    race(6, lambda i: record_event(AuditEventChoices.LOGIN, username=f"racer{i}"))
    assert AuditEvent.objects.count() == 6
    assert verify_chain() is None


# Transactional tests here restore the migrations' data afterwards (serialized_rollback), like the browser tests:
# a flush without it would leave the next such test without regions or content types.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("refilled_afterwards")
def test_the_flush_command_empties_the_audit_log():
    """The test runner's reset between transactional tests, and `manage.py flush`: the guard is lifted for it."""
    some_events(2)
    write_checkpoint(CheckpointReasonChoices.SCHEDULED)
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not AuditEvent.objects.exists() and not AuditCheckpoint.objects.exists()
    assert not User.objects.exists()
    some_events(1)
    assert refused(f"DELETE FROM {EVENTS}")  # noqa: S608 (the guard is down again)
