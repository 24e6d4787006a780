"""The API against its own OpenAPI schema (schemathesis): whatever a client sends,
valid or not, the answer is never a 500 and a 2xx matches the documented schema.

Each operation's cases are drawn by Hypothesis from schemathesis' strategies, in a plain
test (schemathesis' pytest plugin does not run under this pytest)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.newsroom import build_newsroom
from tests.web import serving


@pytest.fixture(scope="module")
def served(tmp_path_factory, kb):
    path = tmp_path_factory.mktemp("fuzz") / "tracker.db"
    build_newsroom(path, kb)
    with serving(path) as served:
        yield served


def operations(served) -> list:
    schema = schemathesis.openapi.from_url(served.url + "/api/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_is_in_the_schema(served):
    assert sorted(f"{op.method.upper()} {op.path}" for op in operations(served)) == [
        "DELETE /api/rules/{rule_id}", "GET /api/export.csv", "GET /api/mentions",
        "GET /api/rules", "GET /api/stats", "POST /api/candidates/{entity_id}/accept",
        "POST /api/mentions/{mention_id}/review",
        "POST /api/rules", "POST /api/rules/preview"]


def fuzz(served, operation, mode: str) -> None:
    """Draw cases of one operation and check each answer."""
    writes = operation.method.upper() in ("POST", "DELETE")
    headers = {"X-CSRF-Token": served.csrf()} if writes else {}

    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode)))
    # No shrinking: a failure is reported as found (shrinking takes minutes).
    @settings(max_examples=100, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(base_url=served.url, headers=headers,
                               checks=[not_a_server_error, response_schema_conformance])

    try:
        check()
    except Unsatisfiable:  # no parameter, no body: no request can be malformed
        assert mode == "negative"


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_request_makes_the_api_fail(served, mode):
    for operation in operations(served):
        fuzz(served, operation, mode)
