"""Property-based calls of every operation of the OpenAPI spec (schemathesis): never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from registry.models import Role
from tests.console_env import ConsoleEnv, make_console


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> ConsoleEnv:
    return make_console(Path(tmp_path_factory.mktemp("fuzz")))


@pytest.fixture(scope="module")
def api_schema(console: ConsoleEnv):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/openapi.json", console.app)


@pytest.fixture(scope="module")
def admin_session(console: ConsoleEnv) -> dict[str, dict[str, str]]:
    client = console.client(Role.ADMIN)
    return {
        "cookies": {"coffre_session": client.cookies["coffre_session"]},
        "headers": {"X-CSRF-Token": client.headers["X-CSRF-Token"]},
    }


def test_no_operation_answers_a_server_error(console: ConsoleEnv, admin_session: dict[str, dict[str, str]]) -> None:
    """Every operation, with generated parameters and bodies, as an admin and anonymously: no 5xx."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", console.app)
    failures: list[str] = []
    calls: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:
        if operation.path == "/logout":
            continue  # would end the fuzzing session itself

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case) -> None:  # type: ignore[no-untyped-def]
            if (case.path_parameters or {}).get("user_id") == console.ids["user_admin"]:
                return  # would deactivate the fuzzing admin
            label = case.operation.label
            calls[label] = calls.get(label, 0) + 1
            for response in (case.call(**admin_session), case.call()):
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        call()
    assert failures == []
    assert len(calls) == len(operations) - 1 and sum(calls.values()) >= 5 * len(calls), calls
