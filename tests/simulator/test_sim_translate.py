"""POST /v3/migration-tools/translate: paging, start_from_timestamp, nylas_ids, refusals, seed objects."""

import pytest
from simhelpers import TEST_KEY, TEST_V2, link_headers, small_seed

from simulator import translate as tr
from simulator.seed import SeedError, load_seed, normalise_seed

PATH = "/v3/migration-tools/translate"

ACCOUNTS = [
    {"id": "acc-big", "provider": "gmail", "linked_at": 1_600_000_000,
     "objects": {"messages": 6001, "folders": 3}},
    {"id": "acc-imap", "provider": "imap", "linked_at": 1_600_000_100},
    {"id": "acc-graph", "provider": "graph", "linked_at": 1_600_000_200},
    {"id": "acc-outlook", "provider": "outlook", "linked_at": 1_600_000_300},
    {"id": "acc-nylas", "provider": "nylas", "linked_at": 1_600_000_400},
]


def seed_with_objects(write_seed, objects=None):
    data = small_seed(ACCOUNTS)
    data["v2_applications"][0]["objects"] = objects or {
        "counts": {"messages": 5, "threads": 4, "events": 3, "calendars": 2, "folders": 10, "contacts": 1},
        "interval": 60}
    data["v2_applications"].append({"client_id": "v2-other", "client_secret": "s-other", "region": "us",
                                    "accounts": [{"id": "acc-of-other", "provider": "gmail"}]})
    return write_seed(data)


@pytest.fixture
def api(make_api, write_seed):
    api = make_api(seed=seed_with_objects(write_seed), key=TEST_KEY)
    assert api.post("/v3/migration-tools/link-v2v3-apps", headers=link_headers(TEST_KEY, TEST_V2)).status_code == 200
    return api


def translate(api, **body):
    return api.post(PATH, json=body)


def test_pages_of_3000_with_next_page_number(api):
    first = translate(api, resource_type="messages", v2_account_id="acc-big")
    assert first.status_code == 200
    data = first.get_json()["data"]
    assert data["v2_application_id"] == "v2-test" and data["v2_account_id"] == "acc-big"
    assert data["resource_type"] == "messages"
    assert len(data["translations"]) == 3000 and data["next_page_number"] == 2
    second = translate(api, resource_type="messages", v2_account_id="acc-big", next_page_number=2).get_json()["data"]
    third = translate(api, resource_type="messages", v2_account_id="acc-big", next_page_number=3).get_json()["data"]
    assert len(second["translations"]) == 3000 and second["next_page_number"] == 3
    assert len(third["translations"]) == 1 and "next_page_number" not in third
    ids = [t["v2_resource_id"] for page in (data, second, third) for t in page["translations"]]
    assert len(set(ids)) == 6001
    assert ids == [tr.v2_object_id("acc-big", "messages", i) for i in range(6001)]
    google = data["translations"][0]["v3_resource_id"]
    assert len(google) == 16 and int(google, 16) >= 0


def test_seed_counts_overrides_and_provider_shapes(api):
    small = translate(api, resource_type="threads", v2_account_id="acc-big").get_json()["data"]
    assert len(small["translations"]) == 4 and "next_page_number" not in small
    graph = translate(api, resource_type="events", v2_account_id="acc-graph").get_json()["data"]["translations"]
    assert len(graph) == 3 and all(t["v3_resource_id"].startswith("AAMk") for t in graph)
    virtual = translate(api, resource_type="messages", v2_account_id="acc-nylas").get_json()["data"]
    assert virtual["translations"] == []  # a virtual calendar has calendars and events only
    assert len(translate(api, resource_type="events", v2_account_id="acc-nylas").get_json()["data"]["translations"]) == 3
    none = translate(api, resource_type="drafts", v2_account_id="acc-imap").get_json()["data"]
    assert none["translations"] == [] and "next_page_number" not in none


def test_imap_folders_are_answered_by_name(api):
    folders = translate(api, resource_type="folders", v2_account_id="acc-imap").get_json()["data"]["translations"]
    names = [t["v3_resource_id"] for t in folders]
    assert names[:3] == ["INBOX", "Sent", "Drafts"] and names[-1] == "Folder 10"
    gmail = translate(api, resource_type="folders", v2_account_id="acc-big").get_json()["data"]["translations"]
    assert all(t["v3_resource_id"].startswith("Label_") for t in gmail) and len(gmail) == 3


def test_start_from_timestamp_keeps_objects_created_after_it(api):
    linked = 1_600_000_100
    # objects of acc-imap are created at linked + 60, + 120, ... (interval 60); strictly after linked + 120
    data = translate(api, resource_type="folders", v2_account_id="acc-imap",
                     start_from_timestamp=linked + 120).get_json()["data"]
    assert [t["v3_resource_id"] for t in data["translations"]][0] == "Drafts"
    assert len(data["translations"]) == 8
    later = translate(api, resource_type="folders", v2_account_id="acc-imap", start_from_timestamp=4_000_000_000)
    assert later.get_json()["data"]["translations"] == []
    every = translate(api, resource_type="folders", v2_account_id="acc-imap", start_from_timestamp=0)
    assert len(every.get_json()["data"]["translations"]) == 10


def test_nylas_ids_subset(api):
    wanted = [tr.v2_object_id("acc-big", "messages", i) for i in (5999, 3, 4500)]
    data = translate(api, resource_type="messages", v2_account_id="acc-big",
                     nylas_ids=wanted + ["no-such-id"]).get_json()["data"]
    got = [t["v2_resource_id"] for t in data["translations"]]
    assert got == [wanted[1], wanted[2], wanted[0]]  # sorted by creation time, unknown ids left out
    assert "next_page_number" not in data


@pytest.mark.parametrize("body, words", [
    ({"resource_type": "mailboxes", "v2_account_id": "acc-big"}, "unknown resource_type"),
    ({"v2_account_id": "acc-big"}, "resource_type is required"),
    ({"resource_type": "messages"}, "v2_account_id is required"),
    ({"resource_type": "messages", "v2_account_id": "acc-of-other"}, "not an account of the linked"),
    ({"resource_type": "messages", "v2_account_id": "acc-nobody"}, "not an account of the linked"),
    ({"resource_type": "messages", "v2_account_id": "acc-outlook"}, "Outlook"),
    ({"resource_type": "messages", "v2_account_id": "acc-big", "next_page_number": 0}, "next_page_number"),
    ({"resource_type": "messages", "v2_account_id": "acc-big", "start_from_timestamp": "yesterday"},
     "start_from_timestamp"),
    ({"resource_type": "messages", "v2_account_id": "acc-big", "nylas_ids": "abc"}, "nylas_ids"),
])
def test_refusals_are_400(api, body, words):
    resp = translate(api, **body)
    assert resp.status_code == 400, resp.get_json()
    error = resp.get_json()["error"]
    assert error["type"] == "bad_request" and words in error["message"]


def test_needs_the_link(make_api, write_seed):
    api = make_api(seed=seed_with_objects(write_seed), key=TEST_KEY)
    resp = translate(api, resource_type="messages", v2_account_id="acc-big")
    assert resp.status_code == 400 and "not linked" in resp.get_json()["error"]["message"]


def test_request_log_names_account_type_and_page(api):
    translate(api, resource_type="messages", v2_account_id="acc-big", next_page_number=2)
    entry = api.ctx.log.entries(path=PATH)[-1]
    assert entry["detail"] == {"v2_account_id": "acc-big", "resource_type": "messages", "page": 2, "since": None,
                               "nylas_ids": None, "translations": 3000}
    translate(api, resource_type="messages", v2_account_id="acc-outlook")
    entry = api.ctx.log.entries(path=PATH)[-1]
    assert entry["status"] == 400 and entry["detail"]["v2_account_id"] == "acc-outlook"
    assert entry["detail"]["translations"] is None


def test_translate_is_under_the_migration_rate_limit(make_api, write_seed):
    api = make_api(seed=seed_with_objects(write_seed), key=TEST_KEY, rate_limit_migration=20)
    api.post("/v3/migration-tools/link-v2v3-apps", headers=link_headers(TEST_KEY, TEST_V2))
    statuses = [translate(api, resource_type="calendars", v2_account_id="acc-imap").status_code for _n in range(25)]
    assert 429 in statuses and statuses.count(200) <= 20


def test_demo_seed_objects_leave_the_accounts_unchanged():
    data = load_seed("simulator/seeds/demo.yaml")
    acme = data["v2_applications"][0]
    assert acme["accounts"][0]["objects"]["counts"]["messages"] == 7500
    assert acme["accounts"][2]["objects"]["counts"]["messages"] == 30
    raw = {"v2_applications": [{"client_id": "v2-x", "client_secret": "s", "region": "us",
                                "accounts": {"count": 50, "seed": 7}}]}
    without = normalise_seed(raw)["v2_applications"][0]["accounts"]
    raw["v2_applications"][0]["objects"] = {"counts": {"messages": 3}}
    with_objects = normalise_seed(raw)["v2_applications"][0]["accounts"]
    strip = [{k: v for k, v in a.items() if k != "objects"} for a in with_objects]
    assert strip == [{k: v for k, v in a.items() if k != "objects"} for a in without]


@pytest.mark.parametrize("objects", [
    {"counts": {"mailboxes": 3}},
    {"counts": {"messages": -1}},
    {"interval": 0},
    {"accounts": {0: "many"}},
])
def test_bad_object_specs_are_refused(objects):
    raw = {"v2_applications": [{"client_id": "v2-x", "client_secret": "s", "region": "us",
                                "accounts": [{"provider": "gmail"}], "objects": objects}]}
    with pytest.raises(SeedError):
        normalise_seed(raw)
