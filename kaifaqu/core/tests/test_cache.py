"""kaifaqu.core.cache: lists cached under data versions, bumped in the writer's transaction."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kaifaqu.core.cache import bump, cached, end_request, start_request, versions
from kaifaqu.core.models import DataVersion

pytestmark = pytest.mark.django_db


class Calls:
    """A builder that counts how often it ran and returns the count."""

    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return self.count


def test_a_list_is_built_once_until_its_version_moves():
    build = Calls()
    assert cached(("test", "list"), ["alpha"], build) == 1
    assert cached(("test", "list"), ["alpha"], build) == 1
    bump("alpha")
    assert cached(("test", "list"), ["alpha"], build) == 2
    bump("beta")  # another version: this list stays
    assert cached(("test", "list"), ["alpha"], build) == 2
    assert build.count == 2


def test_bump_counts_up_from_a_random_start():
    assert versions(["gamma"]) == (0,)
    bump("gamma")
    first = DataVersion.objects.get(name="gamma").number
    bump("gamma", "gamma")  # named twice in one call: once
    assert versions(["gamma", "never"]) == (first + 1, 0)
    assert first > 0


def test_a_rolled_back_write_leaves_the_version():
    bump("delta")
    before = versions(["delta"])
    with pytest.raises(RuntimeError), transaction.atomic():
        bump("delta")
        raise RuntimeError
    assert versions(["delta"]) == before


def test_a_request_reads_the_versions_once_and_sees_its_own_writes():
    start_request()  # what request_started calls (the signal itself would also close the test's connection)
    try:
        with CaptureQueriesContext(connection) as queries:
            versions(["alpha"])
            versions(["beta", "alpha"])
        assert len(queries) == 1
        build = Calls()
        cached(("test", "request"), ["alpha"], build)
        bump("alpha")  # a write in the request, then a read: the new version, not the one read at the start
        assert cached(("test", "request"), ["alpha"], build) == 2
    finally:
        end_request()
