"""The simulator as a process: CLI line, restart mid-job (kill -9), no re-seed, clean stop."""

import requests
from simhelpers import TEST_KEY, TEST_V2, bearer, link_headers, small_seed

from simulator.harness import SERVING_RE

LINK = "/v3/migration-tools/link-v2v3-apps"
BATCH = "/v3/migration-tools/snapshot-batch-clone"
JOBS = "/v3/migration-tools/jobs"
KINDS = [("gmail", "oauth", "running"), ("exchange", "password", "running"), ("eas", "password", "running"),
         ("imap", "password", "invalid"), ("graph", "oauth", "running"), ("icloud", "password", "running")]


def jobs_of(sim, key=TEST_KEY):
    return {j["type"]: j for j in requests.get(sim.url + JOBS, headers=bearer(key), timeout=10).json()["data"]}


def test_serving_line_and_clean_sigterm(sim_factory):
    sim = sim_factory("eu")
    assert SERVING_RE.match(sim._lines[0])
    assert sim._lines[0] == f"Nylas simulator region=eu serving on {sim.url}"
    assert sim.health()["region"] == "eu"
    assert sim.stop() == 0
    assert len(sim._lines) == 1


def test_kill_mid_job_restart_resumes_without_duplicates(sim_factory, write_seed):
    accounts = [{"id": f"k{i:04d}", "provider": p, "authentication_type": a, "sync_state": s,
                 "linked_at": 5000 - i} for i, (p, a, s) in enumerate(KINDS * 50)]
    sim = sim_factory("us", seed=write_seed(small_seed(accounts)), job_pace=150)
    assert requests.post(sim.url + LINK, headers=link_headers(key=TEST_KEY, v2=TEST_V2), timeout=10).ok
    started = requests.post(sim.url + BATCH, headers=bearer(TEST_KEY), json={}, timeout=10).json()["data"]
    sim.wait_for(lambda: jobs_of(sim)["migration"]["count_success"] > 10)
    before = jobs_of(sim)["migration"]
    assert before["status"] == "running"
    sim.kill()
    sim.restart(job_pace=5000)
    final = sim.wait_for(lambda: (j := jobs_of(sim)["migration"])["status"] not in ("pending", "running") and j)
    assert final["job_id"] == started["clone_job"]["job_id"]
    expected = sim.state()["v2_applications"]["v2-test"]["expected"]
    assert (final["count_all"], final["count_success"], final["count_warning"], final["count_failed"]) == (
        len(accounts), expected["valid"], expected["placeholder"], expected["failed"])
    assert final["status"] == "partial"
    state = sim.state()
    grants = state["applications"]["app-test"]["grants"]
    assert grants["total"] == expected["valid"] + expected["placeholder"]
    ids = []
    for offset in range(0, 400, 200):
        page = requests.get(f"{sim.url}/v3/grants?limit=200&offset={offset}", headers=bearer(TEST_KEY),
                            timeout=10).json()["data"]
        ids.extend(g["account_id"] for g in page)
    assert len(ids) == len(set(ids)) == grants["total"]


def test_existing_state_is_not_reseeded(sim_factory):
    sim = sim_factory("us")
    acme = bearer("nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY")
    headers = {**acme, "BasicV2": link_headers(v2=("v2-us-acme", "sim-v2-secret-us-acme-DEMO"))["BasicV2"]}
    assert requests.post(sim.url + LINK, headers=headers, timeout=10).ok
    assert requests.post(sim.url + "/v3/migration-tools/import-v2-app", headers=acme, timeout=10).ok  # connectors
    grant = requests.post(sim.url + "/v3/migration-tools/grants/" + first_account(sim) + "/clone",
                          headers=acme, timeout=10).json()["data"]
    sim.restart()
    app = requests.get(sim.url + "/v3/applications", headers=acme, timeout=10).json()["data"]
    assert app["v2_application_id"] == "v2-us-acme"
    assert requests.get(f"{sim.url}/v3/grants/{grant['id']}", headers=acme, timeout=10).ok
    sim.reset()
    assert "v2_application_id" not in requests.get(sim.url + "/v3/applications", headers=acme,
                                                   timeout=10).json()["data"]
    assert requests.get(f"{sim.url}/v3/grants/{grant['id']}", headers=acme, timeout=10).status_code == 404


def first_account(sim):
    resp = requests.get(sim.url + "/a/v2-us-acme/accounts?limit=1", auth=("sim-v2-secret-us-acme-DEMO", ""),
                        timeout=10)
    return resp.json()[0]["id"]


def test_state_file_region_mismatch_refuses_to_start(sim_factory, tmp_path):
    sim = sim_factory("us", state=tmp_path / "shared.sqlite")
    sim.stop()
    other = sim_factory("eu", state=tmp_path / "shared.sqlite", start=False, start_timeout=10)
    try:
        other.start()
    except Exception as exc:  # noqa: BLE001 - SimulatorError expected
        assert "region us" in str(exc) or "holds region" in other.stderr_tail()
    else:  # pragma: no cover
        raise AssertionError("an eu simulator started on a us state file")
