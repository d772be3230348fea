"""Helpers of the latency benchmark that need no server."""
from __future__ import annotations

import yaml

from bench.latency import SCRIPTS, endpoints_file


def write(tmp_path, store):
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump({"action_endpoint": {"url": "${ACTION_ENDPOINT_URL}"},
                                    "tracker_store": store}), encoding="utf-8")
    return path


def test_sql_tracker_store_with_host_gets_a_corrected_copy(tmp_path):
    source = write(tmp_path, {"type": "sql", "dialect": "${TRACKER_DB_DIALECT}", "host": "${TRACKER_STORE_URL}"})
    path, note = endpoints_file(tmp_path / "work", source)
    assert path != source and "host" in note
    store = yaml.safe_load(path.read_text())["tracker_store"]
    assert store == {"type": "sql", "dialect": "${TRACKER_DB_DIALECT}", "url": "${TRACKER_STORE_URL}"}


def test_a_correct_endpoints_file_is_used_as_is(tmp_path):
    source = write(tmp_path, {"type": "sql", "url": "${TRACKER_STORE_URL}"})
    assert endpoints_file(tmp_path / "work", source) == (source, None)


def test_scripts_cover_the_knowledge_base_and_an_invoice_lookup():
    messages = [m for script in SCRIPTS for m in script]
    assert any("34567890" in m for m in messages)  # a demo invoice of the embedded system
    assert "/problem_persists" in messages  # the next step comes from the knowledge base
    assert all(len(script) >= 5 for script in SCRIPTS)
