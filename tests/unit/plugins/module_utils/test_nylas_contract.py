# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the strict reading layer (plugins/module_utils/nylas_contract.py).

One test per field a decision uses, on the pure validator; then the client methods end to end (HTTP
mocked with ``responses``): the typed error names endpoint, status, request id and field; a write's
misshapen or empty answer is an unknown outcome. Last, the shape table is checked against the
contract file (when it is there) and against jsonschema's verdicts (a dev dependency).
"""

from __future__ import annotations

import copy
import os

import pytest
import responses

from ansible_collections.nylas.migration.plugins.module_utils.nylas_contract import (
    JOB_STATUSES,
    SHAPES,
    Answer,
    check,
    violation,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError, NylasContractError
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import BASE, V2BASE, V2_ID

JOB = {"job_id": "j1", "type": "migration", "status": "running", "count_all": 3, "count_success": 1,
       "count_failed": 0, "count_warning": 0}
GRANT = {"id": "g1", "account_id": "acc1", "grant_status": "valid"}
WEBHOOK = {"id": "w1", "webhook_url": "https://hooks.example.com/a"}


def env(data):
    return {"request_id": "rid-1", "data": data}


# -- the validator, field by field ------------------------------------------------------------------

VIOLATIONS = [
    # (operation, body, field, problem starts with)
    ("list_webhooks", {"request_id": "r"}, "data", "is missing"),
    ("list_webhooks", env(None), "data", "is null"),
    ("list_webhooks", env({}), "data", "must be a list, got object"),
    ("list_webhooks", env([{"webhook_url": "u"}]), "data[0].id", "is missing"),
    ("list_webhooks", env([{"id": "w1"}]), "data[0].webhook_url", "is missing"),
    ("list_webhooks", env([WEBHOOK, {"id": 7, "webhook_url": "u"}]), "data[1].id", "must be a string, got integer"),
    ("list_pubsub_channels", env([{"id": "c1"}]), "data[0].topic", "is missing"),
    ("list_grants", env([{"account_id": "a"}]), "data[0].id", "is missing"),
    ("list_grants", env([dict(GRANT, grant_status="expired")]), "data[0].grant_status", "is 'expired'"),
    ("lookup_grants", env([{"id": "g1"}]), "data[0].account_id", "is missing"),
    ("lookup_grants", env([{"id": "g1", "account_id": None}]), "data[0].account_id", "is null"),
    ("list_connectors", env([{"settings": {}}]), "data[0].provider", "is missing"),
    ("list_jobs", env([dict(JOB, status="cancelled")]), "data[0].status", "is 'cancelled', not one of"),
    ("list_jobs", env([{k: v for k, v in JOB.items() if k != "status"}]), "data[0].status", "is missing"),
    ("list_jobs", env([dict(JOB, type="export")]), "data[0].type", "is 'export'"),
    ("list_jobs", env([{k: v for k, v in JOB.items() if k != "job_id"}]), "data[0].job_id", "is missing"),
    ("list_jobs", env([dict(JOB, count_all="3")]), "data[0].count_all", "must be a integer"),
    ("list_jobs", env([dict(JOB, count_all=True)]), "data[0].count_all", "must be a integer, got boolean"),
    ("start_batch_clone", env({"snapshot_job": JOB}), "data.clone_job", "is missing"),
    ("start_batch_clone", env({"snapshot_job": JOB, "clone_job": dict(JOB, status=None)}), "data.clone_job.status",
     "is null"),
    ("clone_grant", env({"id": "g1"}), "data.account_id", "is missing"),
    ("clone_grant", None, "body", "is empty"),
    ("create_webhook", env({}), "data.id", "is missing"),
    ("create_connector", env({"scope": []}), "data.provider", "is missing"),
    ("create_pubsub_channel", {"request_id": "r"}, "data", "is missing"),
    ("link_v2_app", env("linked"), "data", "must be an object, got string"),
    ("import_v2_app", {"request_id": "r"}, "data", "is missing"),
    ("translate", env({"v2_account_id": "a"}), "data.translations", "is missing"),
    ("translate", env({"translations": [{"v3_resource_id": "x"}]}), "data.translations[0].v2_resource_id", "is missing"),
    ("translate", env({"translations": [], "next_page_number": "2"}), "data.next_page_number", "must be a integer"),
    ("v2_list_accounts", {"accounts": []}, "body", "must be a list, got object"),
    ("v2_list_accounts", [{"id": "a"}, {"email": "x@example.com"}], "[1].id", "is missing"),
    ("v2_list_webhooks", [{"callback_url": "u"}], "[0].id", "is missing"),
    ("v2_get_account", {"billing_state": "paid"}, "id", "is missing"),
    ("v2_get_application", [1], "body", "must be an object, got array"),
]


@pytest.mark.parametrize("operation, body, field, problem", VIOLATIONS,
                         ids=["%s:%s" % (v[0], v[2]) for v in VIOLATIONS])
def test_each_field_a_decision_uses_is_checked(operation, body, field, problem):
    found = violation(body, SHAPES[operation])
    assert found is not None and found[0] == field and found[1].startswith(problem), found


VALID = [
    ("list_webhooks", env([])),
    ("list_webhooks", env([dict(WEBHOOK, extra_field_nylas_added={"x": 1})])),
    ("list_grants", env([{"id": "g-native"}, GRANT])),  # a native v3 grant has no account_id
    ("lookup_grants", env([GRANT])),
    ("list_jobs", env([dict(JOB, status=s) for s in JOB_STATUSES])),
    ("start_batch_clone", env({"snapshot_job": dict(JOB, type="snapshot"), "clone_job": JOB})),
    ("clone_grant", env(GRANT)),
    ("import_v2_app", env("Imported")),
    ("import_v2_app", env({"message": "Imported"})),
    ("get_application", env({"application_id": "app", "v2_application_id": None})),
    ("translate", env({"translations": [{"v2_resource_id": "m1", "v3_resource_id": None}]})),
    ("translate", env({"translations": [], "next_page_number": None})),
    ("v2_list_accounts", [{"id": "a", "account_id": "a", "provider": "gmail"}]),
]


@pytest.mark.parametrize("operation, body", VALID, ids=[v[0] for v in VALID])
def test_answers_of_the_contract_pass(operation, body):
    assert violation(body, SHAPES[operation]) is None
    assert check(Answer(body, 200, "rid", "GET", "/x"), operation) is body


def test_check_raises_the_typed_error_with_where_and_what():
    answer = Answer(env({}), 200, "rid-7", "GET", "/v3/webhooks")
    with pytest.raises(NylasContractError) as info:
        check(answer, "list_webhooks")
    error = info.value
    assert isinstance(error, NylasAPIError)  # the existing fail_from_error paths report it
    assert (error.status, error.request_id, error.method, error.path, error.field) == (
        200, "rid-7", "GET", "/v3/webhooks", "data")
    assert error.error_type == "unexpected_response" and error.outcome_unknown is False
    assert str(error) == ("HTTP 200 unexpected_response: GET /v3/webhooks: data must be a list, got object "
                          "(field data) (request_id=rid-7)")
    assert error.to_dict()["field"] == "data"


def test_a_write_answer_that_breaks_the_contract_is_an_unknown_outcome():
    with pytest.raises(NylasContractError) as info:
        check(Answer(None, 200, "rid", "POST", "/v3/webhooks"), "create_webhook", is_write=True)
    assert info.value.outcome_unknown is True and info.value.field == "body"


# -- the clients, end to end ---------------------------------------------------------------------------


def test_webhooks_list_without_data_raises_before_any_decision(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/webhooks", json={"request_id": "rid-w"})
    with pytest.raises(NylasContractError) as info:
        client.list_webhooks()
    assert info.value.field == "data" and info.value.request_id == "rid-w"


def test_jobs_list_data_null_is_not_an_empty_list(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/migration-tools/jobs", json={"request_id": "rid-j", "data": None})
    with pytest.raises(NylasContractError) as info:
        client.list_jobs()
    assert info.value.field == "data" and "is null" in str(info.value)


def test_a_lookup_of_grants_requires_account_id(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/grants", json=env([{"id": "g1"}]))
    with pytest.raises(NylasContractError) as info:
        client.find_grants_by_account_ids(["acc1"])
    assert info.value.field == "data[0].account_id" and info.value.path == "/v3/grants"
    assert "account_ids" not in str(info.value)  # never the query string


def test_a_walk_with_grants_lacking_account_id_looks_the_rest_up(rsps, client):
    # a walk (10 wanted of 10 accounts) that meets grants without account_id: the missing ids are looked up
    ids = ["acc%d" % n for n in range(10)]
    walk = [{"id": "g%d" % n} for n in range(3)] + [{"id": "g9", "account_id": "acc9"}]
    calls = []

    def callback(request):
        import json
        from urllib.parse import parse_qs, urlsplit
        query = parse_qs(urlsplit(request.url).query)
        calls.append(query)
        if "account_ids" in query:
            return 200, {}, json.dumps(env([{"id": "g0"}]))  # a lookup answer without account_id
        return 200, {}, json.dumps(env(walk))

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    with pytest.raises(NylasContractError) as info:
        client.find_grants_by_account_ids(ids, grant_bound=10, chunk_size=2)
    assert info.value.field == "data[0].account_id"
    assert "account_ids" not in calls[0] and calls[1]["account_ids"] == ["acc0,acc1"]


def test_a_walk_of_native_grants_only_keeps_its_answer(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/grants", json=env([GRANT, {"id": "g2", "account_id": "acc2"}]))
    found = client.find_grants_by_account_ids(["acc1", "acc2"], grant_bound=2, chunk_size=1)
    assert sorted(found) == ["acc1", "acc2"] and len(rsps.calls) == 1


@pytest.mark.parametrize("body, field", [
    ("", "body"),  # an empty 200
    ("<html><body>ok</body></html>", "body"),
    ('{"request_id": "r", "data": {"id": "w1", "webhook_u', "body"),  # truncated
    ('{"request_id": "rid-c"}', "data"),
])
def test_an_empty_or_unreadable_answer_to_a_create_is_an_unknown_outcome(rsps, client, body, field):
    rsps.add(responses.POST, BASE + "/v3/webhooks", body=body, status=200, headers={"X-Request-Id": "rid-c"})
    with pytest.raises(NylasContractError) as info:
        client.create_webhook({"webhook_url": "https://hooks.example.com/a"})
    error = info.value
    assert error.outcome_unknown is True and error.field == field and error.request_id == "rid-c"
    assert error.method == "POST" and error.path == "/v3/webhooks" and len(rsps.calls) == 1  # never re-sent here


@pytest.mark.parametrize("call, path, answer", [
    (lambda c: c.clone_grant("acc1"), "/v3/migration-tools/grants/acc1/clone", {"request_id": "r"}),
    (lambda c: c.start_batch_clone(), "/v3/migration-tools/snapshot-batch-clone", env({"snapshot_job": JOB})),
    (lambda c: c.link_v2_app("dGVzdDp0ZXN0"), "/v3/migration-tools/link-v2v3-apps", {"request_id": "r"}),
    (lambda c: c.import_v2_app(), "/v3/migration-tools/import-v2-app", {"request_id": "r"}),
    (lambda c: c.create_connector({"provider": "imap"}), "/v3/connectors", env({})),
    (lambda c: c.create_pubsub_channel({"topic": "t"}), "/v3/channels/pubsub", env({"id": "c1"})),
])
def test_every_create_answer_must_carry_its_object(rsps, client, call, path, answer):
    rsps.add(responses.POST, BASE + path, json=answer)
    with pytest.raises(NylasContractError) as info:
        call(client)
    assert info.value.outcome_unknown is True and info.value.path == path


def test_a_non_json_answer_to_a_read_is_not_an_unknown_outcome(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/grants", body="<html>maintenance</html>", status=200,
             content_type="text/html")
    with pytest.raises(NylasContractError) as info:
        client.list_grants()
    assert info.value.error_type == "non_json_response" and info.value.outcome_unknown is False
    assert info.value.content_type == "text/html"


def test_v2_accounts_without_id(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, json=[{"id": "a1"}, {"email": "x@example.com"}])
    with pytest.raises(NylasContractError) as info:
        v2.list_accounts()
    assert info.value.field == "[1].id" and info.value.path == "/a/%s/accounts" % V2_ID


@pytest.mark.parametrize("data, page, problem", [
    ({"translations": [{"v2_resource_id": "m1"}], "next_page_number": 1}, None, "does not advance"),
    ({"translations": [{"v2_resource_id": "m1"}], "next_page_number": 2}, 2, "does not advance"),
    ({"translations": [], "next_page_number": 3}, 2, "after a page without translations"),
    ({"translations": [{"v2_resource_id": "m1"}], "next_page_number": "2"}, None, "must be a integer"),
])
def test_translate_cursor_must_advance(rsps, client, data, page, problem):
    rsps.add(responses.POST, BASE + "/v3/migration-tools/translate", json=env(data))
    with pytest.raises(NylasContractError) as info:
        client.translate_ids("acc1", "messages", next_page_number=page)
    assert problem in str(info.value) and info.value.field == "data.next_page_number"
    assert "POST /v3/migration-tools/translate" in str(info.value) and "rid-1" in str(info.value)


def test_translate_guard_refuses_a_rotating_cursor(rsps, client):
    rsps.add(responses.POST, BASE + "/v3/migration-tools/translate",
             json=env({"translations": [{"v2_resource_id": "m1", "v3_resource_id": "x"}], "next_page_number": 9}))
    guard = client.translate_guard()
    client.translate_ids("acc1", "messages", guard=guard)
    with pytest.raises(NylasContractError) as info:
        client.translate_ids("acc1", "messages", next_page_number=2, guard=guard)
    assert info.value.error_type == "pagination_loop"


# -- the table against the contract and against jsonschema ----------------------------------------------

CONTRACT = "/work/shared/reference/nylas-v3-migration-subset.openapi.yaml"
_SCHEMAS = {}


def _contract_schemas(yaml):
    if not _SCHEMAS:
        with open(CONTRACT, encoding="utf-8") as handle:
            _SCHEMAS.update(yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["components"]["schemas"])
    return _SCHEMAS


@pytest.mark.skipif(not os.path.exists(CONTRACT), reason="the contract file is not on this machine")
@pytest.mark.parametrize("schema, shape, fields", [
    ("MigrationJob", "list_jobs", ("job_id", "type", "status", "count_all", "count_success", "count_failed",
                                   "count_warning", "created_at", "updated_at", "linked_job_id")),
    ("GrantObject", "list_grants", ("id", "account_id", "grant_status", "provider")),
    ("translate_v2v3_id", "translate", ("translations", "next_page_number")),
])
def test_the_table_types_fields_as_the_contract_does(schema, shape, fields):
    yaml = pytest.importorskip("yaml")
    contract = _contract_schemas(yaml)[schema]
    table = SHAPES[shape]["properties"]["data"]
    table = table.get("items", table)
    for name in fields:
        theirs, ours = contract["properties"][name], table["properties"][name]
        assert ours["type"] == theirs["type"], name
        if name in ("status", "type", "grant_status"):  # the decisions branch on these: the documented set
            assert sorted(ours["enum"]) == sorted(theirs["enum"]), name
        elif "enum" in ours:
            assert set(ours["enum"]) <= set(theirs["enum"]), name
    # what is required here the contract requires too; the exceptions: a lookup by account id needs
    # account_id (not in this shape), and the contract requires the translations under "ids" while it
    # describes them as "translations" (the client reads either)
    for name in set(table["required"]):
        assert name in contract.get("required", ()) or (schema, name) == ("translate_v2v3_id", "translations"), name


@pytest.mark.parametrize("operation, body", [(v[0], v[1]) for v in VIOLATIONS] + VALID)
def test_the_validator_agrees_with_jsonschema(operation, body):
    jsonschema = pytest.importorskip("jsonschema")

    def as_json_schema(shape):
        shape = copy.deepcopy(shape)
        if shape.pop("nullable", False):
            types = shape.get("type")
            shape["type"] = (types if isinstance(types, list) else [types]) + ["null"]
        for key in ("properties",):
            if key in shape:
                shape[key] = dict((k, as_json_schema(v)) for k, v in shape[key].items())
        if "items" in shape:
            shape["items"] = as_json_schema(shape["items"])
        if "enum" in shape and "null" in (shape.get("type") or []):
            shape["enum"] = shape["enum"] + [None]
        return shape

    ours = violation(body, SHAPES[operation]) is None
    theirs = jsonschema.Draft7Validator(as_json_schema(SHAPES[operation])).is_valid(body)
    if body is None:
        theirs = False  # an empty body never has a shape
    assert ours == theirs
