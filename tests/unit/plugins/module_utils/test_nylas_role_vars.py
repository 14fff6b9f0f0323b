# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the compact role variable check (plugins/module_utils/nylas_role_vars.py)."""
from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils import nylas_role_vars as p

SPECS = {
    "main": {"options": {
        "nylas_region": {"type": "str", "choices": ["us", "eu"], "default": "us", "description": "x"},
        "nylas_timeout": {"type": "int", "default": 30, "description": "x"},
        "nylas_api_key": {"type": "dict", "no_log": True, "description": "x"},
        "nylas_webhooks": {"type": "list", "elements": "dict", "description": "x",
                           "options": {"webhook_url": {"type": "str", "required": True, "description": "x"}}},
    }},
    "report": {"options": {"nylas_report_root": {"type": "path", "description": "x"}}},
}


def test_valid_values_and_null_are_no_problem():
    values = {"nylas_region": "eu", "nylas_timeout": "30", "nylas_webhooks": [{"webhook_url": "https://x"}],
              "nylas_report_root": "/tmp", "nylas_api_key": None}
    assert p.check_variables(values, SPECS, "main") == []


def test_unknown_name_with_the_nearest_valid_one_from_every_entry_point():
    problems = p.check_variables({"nylas_timout": 5, "nylas_report_rot": "x", "nylas_zzz": 1}, SPECS, "main")
    assert [x["text"] for x in problems] == [
        "nylas_report_rot: unknown variable; did you mean nylas_report_root?",
        "nylas_timout: unknown variable; did you mean nylas_timeout?",
        "nylas_zzz: unknown variable",
    ]


def test_wrong_type_and_choice_name_expected_and_given():
    problems = p.check_variables({"nylas_timeout": "soon", "nylas_region": "mars"}, SPECS, "main")
    assert problems[0]["text"].startswith("nylas_region: expected str, one of us, eu, given 'mars' (str): ")
    assert "must be one of" in problems[0]["text"]
    assert problems[1]["text"] == "nylas_timeout: expected int, given 'soon' (str)"


def test_suboption_problem_is_named():
    text = p.check_variables({"nylas_webhooks": [{"url": "x"}]}, SPECS, "main")[0]["text"]
    assert text.startswith("nylas_webhooks: expected list of dict, given [{'url': 'x'}] (list): ")
    assert "webhook_url" in text


def test_a_secret_is_named_never_its_value():
    text = p.check_variables({"nylas_api_key": "nyk_SECRET"}, SPECS, "main")[0]["text"]
    assert text == "nylas_api_key: expected dict, given a str (value hidden: a secret)"
    text = p.check_variables({"nylas_api_key": ValueError("bad nyk_SECRET")}, SPECS, "main")[0]["text"]
    assert "nyk_SECRET" not in text and "cannot be templated" in text


def test_long_values_are_cut_and_the_message_names_host_and_entry_point():
    text = p.check_variables({"nylas_timeout": "x" * 500}, SPECS, "main")[0]["text"]
    assert len(text) < 200 and text.endswith("x... (str)")
    message = p.problems_message("acme", "migrate", "main", [{"text": "a"}, {"text": "b"}])
    assert message.startswith("acme: 2 role variable problem(s) (role migrate, entry point main): a; b.")
