"""The API keeps its own contract: Schemathesis generates requests from /api/schema/ for every operation and sends
them in-process (WSGI, no server) as a zone administrator, an enterprise user and a region viewer.

Every response must be no server error, carry a status code and a content type the schema lists for the operation,
and have a body that validates against the schema. Writes that the enterprise user and the region viewer are
refused change no row (a hash of the domain tables before and after). The seed is fixed and the number of examples
per operation small, so the suite stays fast and repeatable; `make fuzz` runs many more examples
(KAIFAQU_FUZZ_EXAMPLES).
"""

import hashlib
import os

import pytest
import schemathesis
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kaifaqu.accounts.models import ApiToken
from kaifaqu.projects.tests.matrix import base_objects

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("KAIFAQU_FUZZ_EXAMPLES", "4"))
SEED = int(os.environ.get("KAIFAQU_FUZZ_SEED", "20261206"))
STATEFUL = os.environ.get("KAIFAQU_FUZZ_STATEFUL") == "1"
# Positive data (valid by the schema) in the suite; `make fuzz` adds negative data (invalid by the schema), which
# must be refused with a documented 4xx, never a 500.
MODES = [GenerationMode.POSITIVE] + (
    [GenerationMode.NEGATIVE] if os.environ.get("KAIFAQU_FUZZ_NEGATIVE") == "1" else []
)
PERSONAS = {"zone_admin": "zone_admin_a", "enterprise_user": "firm_1_user", "region_viewer": "region_viewer"}
# Who may never change anything through the API, whatever it sends (the enterprise user reports its own firm's
# figures and project progress: those two writes may succeed, and then change rows).
READ_ONLY = {"region_viewer"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
DOMAIN_APPS = ("zones", "enterprises", "projects", "stats")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def kept_connection():
    """The WSGI handler closes the database connection after each request (close_old_connections), which would end
    the test's transaction on PostgreSQL; Django's own test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api(world, personas, kept_connection):
    """The schema as the API serves it, bound to the WSGI application; a token per persona."""
    base_objects(world, personas)
    tokens = {name: ApiToken.objects.issue(user=personas[key]).key for name, key in PERSONAS.items()}
    app = WSGIHandler()
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", app, headers={"Authorization": f"Token {tokens['zone_admin']}"}
    )
    return schema, tokens


def tables_hash():
    """A digest of every row of the domain apps (history included)."""
    digest = hashlib.sha256()
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            for row in model._default_manager.order_by("pk").values_list():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def fuzz(operation, token, examples=EXAMPLES):
    """Run `examples` generated cases of one operation in each mode; the status codes answered."""
    answered = []
    for mode in MODES:
        answered += fuzz_mode(operation, token, mode, examples)
    return answered


def fuzz_mode(operation, token, mode, examples):
    answered = []

    @seed(SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
        answered.append(response.status_code)

    try:
        run()
    except Unsatisfiable:
        if mode is not GenerationMode.NEGATIVE:
            raise
        # An operation whose every input is free text has nothing the schema forbids: no negative case.
    return answered


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_operation_keeps_the_contract(api, persona):
    schema, tokens = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 56
    every_answer = []
    for operation in operations:
        before = tables_hash() if operation.method.upper() in UNSAFE and persona != "zone_admin" else None
        answered = fuzz(operation, tokens[persona])
        every_answer += answered
        if before is None:
            continue
        if persona in READ_ONLY or not any(200 <= code < 300 for code in answered):
            assert tables_hash() == before, f"{persona} changed rows through {operation.label}: {answered}"
        if persona in READ_ONLY:
            assert all(code >= 400 for code in answered), f"{persona} wrote through {operation.label}"
    # The persona was signed in throughout (a token the API refused would make every check pass vacuously).
    assert 401 not in every_answer
    assert any(200 <= code < 300 for code in every_answer)


@pytest.mark.skipif(not STATEFUL, reason="stateful runs under `make fuzz` (KAIFAQU_FUZZ_STATEFUL=1)")
def test_stateful_sequences_follow_the_links(api):
    """As the zone administrator, sequences of calls that follow the schema's links (create an enterprise, read it,
    change it; a project, then its stages, approvals, progress and problems) keep the contract at every step."""
    schema, tokens = api
    headers = {"Authorization": f"Token {tokens['zone_admin']}"}

    class Sequences(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers)

    Sequences.run(
        settings=settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            stateful_step_count=8,
        )
    )
