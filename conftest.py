"""Persona fixtures shared by every app's tests (see ARCHITECTURE.md, Tests)."""

import copy
import os
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client, override_settings
from django.utils import translation

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.models import Membership, User
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.zones.models import Department, Park, Region, Zone

# Every persona of the authorization matrices, in one order (anonymous last: not logged in).
PERSONAS = (
    "system_admin",
    "security_admin",
    "audit_admin",
    "zone_admin_a",
    "staff_a",
    "projects_staff_a",
    "staff_b",
    "leader_a",
    "firm_1_user",
    "firm_2_user",
    "region_viewer",
    "anonymous",
)
PASSWORD = "Kfq-test-2026!"  # noqa: S105 (test accounts only)

# Valid 统一社会信用代码 (check characters computed with python-stdnum).
CODE_FIRM_1 = "91140500MA0K00001U"
CODE_FIRM_2 = "91140500MA0K00002Y"
CODE_FIRM_B = "91140700MA0K00003C"


def make_user(username, role=None, **scope):
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=username)
    if role:
        Membership.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def world(db):
    """Two zones in two cities of Shanxi, each with a park, a registry department and firms."""
    return make_world()


@pytest.fixture
def personas(world):
    """Users for every role; keys are the persona names used in authorization matrices. Anonymous is None."""
    return make_personas(world)


def make_world():
    """The rows of the `world` fixture (for fixtures that build them once per module: see kept_rows)."""
    zone_a = Zone.objects.create(
        name="高平经济技术开发区",
        short_name="高平经开区",
        level="provincial",
        kind="economic",
        region=Region.objects.get(code="140581"),
    )
    zone_b = Zone.objects.create(
        name="灵石经济技术开发区",
        short_name="灵石经开区",
        level="provincial",
        kind="economic",
        region=Region.objects.get(code="140729"),
    )
    park_a = Park.objects.create(zone=zone_a, name="高平新材料园")
    park_b = Park.objects.create(zone=zone_b, name="灵石装备园")
    dept_a = Department.objects.create(zone=zone_a, name="经济运行部", domains=["registry", "statistics"])
    dept_a_projects = Department.objects.create(zone=zone_a, name="项目服务中心", domains=["projects"])
    dept_b = Department.objects.create(zone=zone_b, name="经济运行部", domains=["registry", "statistics"])
    firm_1 = Enterprise.objects.create(
        credit_code=CODE_FIRM_1, name="高平甲材料有限公司", zone=zone_a, park=park_a, industry_id="2651"
    )
    firm_2 = Enterprise.objects.create(
        credit_code=CODE_FIRM_2, name="高平乙机械有限公司", zone=zone_a, industry_id="3411"
    )
    firm_b = Enterprise.objects.create(
        credit_code=CODE_FIRM_B, name="灵石丙装备有限公司", zone=zone_b, park=park_b, industry_id="3411"
    )
    return {
        "zone_a": zone_a,
        "zone_b": zone_b,
        "park_a": park_a,
        "park_b": park_b,
        "dept_a": dept_a,
        "dept_a_projects": dept_a_projects,
        "dept_b": dept_b,
        "firm_1": firm_1,
        "firm_2": firm_2,
        "firm_b": firm_b,
    }


def make_personas(world):
    """The users of the `personas` fixture."""
    w = world
    return {
        "system_admin": make_user("sysadmin", RoleChoices.SYSTEM_ADMIN),
        "security_admin": make_user("secadmin", RoleChoices.SECURITY_ADMIN),
        "audit_admin": make_user("auditadmin", RoleChoices.AUDIT_ADMIN),
        "zone_admin_a": make_user("admin_a", RoleChoices.ZONE_ADMIN, zone=w["zone_a"]),
        "staff_a": make_user("staff_a", RoleChoices.DEPARTMENT_STAFF, zone=w["zone_a"], department=w["dept_a"]),
        "projects_staff_a": make_user(
            "projects_a", RoleChoices.DEPARTMENT_STAFF, zone=w["zone_a"], department=w["dept_a_projects"]
        ),
        "staff_b": make_user("staff_b", RoleChoices.DEPARTMENT_STAFF, zone=w["zone_b"], department=w["dept_b"]),
        "leader_a": make_user("leader_a", RoleChoices.LEADER, zone=w["zone_a"]),
        "firm_1_user": make_user("firm1", RoleChoices.ENTERPRISE_USER, enterprise=w["firm_1"], zone=w["zone_a"]),
        "firm_2_user": make_user("firm2", RoleChoices.ENTERPRISE_USER, enterprise=w["firm_2"], zone=w["zone_a"]),
        "region_viewer": make_user("jincheng", RoleChoices.REGION_VIEWER, region=Region.objects.get(code="140500")),
        "anonymous": None,
    }


def make_admin_of_both_zones(world):
    """A 管委会管理员 of zone A and zone B: the writer of both zones' records (the system administrator reads them
    but writes none, 三员分立)."""
    user = User.objects.filter(username="admin_ab").first()
    if user is None:
        user = make_user("admin_ab", RoleChoices.ZONE_ADMIN, zone=world["zone_a"])
        Membership.objects.create(user=user, role=RoleChoices.ZONE_ADMIN, zone=world["zone_b"])
    return User.objects.get(pk=user.pk)  # memberships read afresh


@pytest.fixture
def client_for(client):
    """client_for(user) logs the test client in as that user (None stays anonymous)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


# --- Rows kept for a whole module (Django's setUpTestData, for pytest) ---------------------------------------


@contextmanager
def kept_rows(django_db_blocker, **overrides):
    """Open a transaction for a module-scoped (or class-scoped) fixture to create rows in; every test of the scope runs
    in a savepoint inside it (pytest-django's `db`), rolled back after the test, so each test starts from exactly the
    rows built once; the transaction itself is rolled back when the scope ends. `overrides` are settings kept for the
    same scope (e.g. MEDIA_ROOT for the files those rows point at)."""
    atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
    atomic._from_testcase = True  # as TestCase marks its class-level block (durable blocks may nest inside)
    with override_settings(**overrides):
        with django_db_blocker.unblock():
            atomic.__enter__()
        try:
            yield
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
                atomic.__exit__(None, None, None)


class CopiedOnRead(Mapping):
    """A test's view of rows built once for a scope: each value is a deep copy of the original made when the test
    first reads it (setUpTestData's TestData, by key: most tests read a few of the objects)."""

    def __init__(self, originals):
        self.originals = originals
        self.copies = {}

    def __getitem__(self, key):
        if key not in self.copies:
            self.copies[key] = copy.deepcopy(self.originals[key])
        return self.copies[key]

    def __iter__(self):
        return iter(self.originals)

    def __len__(self):
        return len(self.originals)


@pytest.fixture(scope="module")
def kept_world(django_db_setup, django_db_blocker):
    """The rows of `world` and `personas`, built once for a module whose every test uses them (authorization
    matrices): the module overrides both fixtures with copies of these, e.g.

        @pytest.fixture
        def world(kept_world, db):
            return CopiedOnRead(kept_world["world"])

    and each test still starts from exactly these rows (kept_rows). Nobody is logged in: client_for logs in per test.
    """
    with kept_rows(django_db_blocker):
        with django_db_blocker.unblock():
            world = make_world()
            personas = make_personas(world)
        yield {"world": world, "personas": personas}


def log_in_once(users):
    """Session keys of these users (a dict of persona -> user or None), each logged in once with force_login, for
    the tests of a kept_rows scope to reuse (a test's writes to its session are rolled back with the test)."""
    keys = {}
    for user in users.values():
        if user is not None:
            client = Client()
            client.force_login(user)
            keys[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def client_with_sessions(client, session_keys):
    """client_for (see above) with sessions from log_in_once: the cookie of the user's session, no new login."""

    def login(user):
        client.cookies.clear()
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = session_keys[user.pk]
        return client

    return login


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: the data versions of kaifaqu.core.cache live in the test database and
    go back to 0 when a test's transaction rolls back, so a list cached by one test would otherwise serve the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language. A request activates the language of its Accept-Language header or
    the user's choice and Django keeps it on the thread, so an English request of one test would otherwise make the
    next test on the same worker read English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def flush_by_delete():
    """On PostgreSQL, empty the tables after a transactional test (the browser journeys) with DELETE rather than
    TRUNCATE: the same empty tables, but TRUNCATE of 86 tables takes 3 s here (new files for every table and index)
    and DELETE of their few rows 20 ms. Django's foreign keys are deferred, so the order of the DELETEs is free."""
    if settings.DATABASES[DEFAULT_DB_ALIAS]["ENGINE"] != "django.db.backends.postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


# --- Browser journeys (Playwright driving Debian's Chromium) -------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        if os.environ.get("KAIFAQU_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture
def screenshot(page, request):
    """screenshot("name") keeps a full-page PNG under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name):
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login_page(page, live_server):
    """login_page(user) signs in through the real login form and returns the page."""

    def login(user, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return login


@pytest.fixture(scope="module")
def migrated_rows(playwright, django_db_setup, django_db_blocker):
    """Keep the rows migrations load (GB/T 2260, GB/T 4754, catalogues) across these live_server tests.

    Each transactional test ends with a flush. serialized_rollback restores the rows before the next test, but Django
    keeps its snapshot on the connection object of the test-database setup, and once Playwright runs an event loop in
    this thread the tests get other connection objects: give them the snapshot, and restore it after the module so the
    tests that run next (pytest may interleave modules) find the tables full.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    with django_db_blocker.unblock():
        snapshot = connection.creation.serialize_db_to_string()
    connection._test_serialized_contents = snapshot
    yield
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser set up the way the zones' staff have it: Chinese locale, desktop screen."""
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def browser_errors(page):
    """Console errors (CSP violations, missing static files) and uncaught exceptions seen during the journey."""
    errors = []
    page.set_default_timeout(15_000)
    page.on(
        "console", lambda msg: errors.append(f"console: {msg.text} {msg.location}") if msg.type == "error" else None
    )
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the migrations' rows (serialized_rollback=True). One that does not ends
    with a flush that re-creates content types under new ids, and the next transactional test's restore then fails
    on them (seen on PostgreSQL, where the thread tests run): refuse such a test at collection."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}: a transactional test needs serialized_rollback=True")
