"""Schemathesis against /api/openapi.json: generated requests, valid and invalid, never get a 5xx.

(The schemathesis pytest plugin's `from_fixture` does not run under pytest 9, so the operations are
walked here and each one's strategy is driven by Hypothesis directly.)
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

EXAMPLES_PER_OPERATION = 20


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_never_answers_5xx_and_matches_its_schema(service_app, mode):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", service_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters"):
            continue  # nothing to get wrong in a request without parameters
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                           response_schema_conformance])

        check()
