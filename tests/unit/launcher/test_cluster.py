"""bot/launcher/cluster.py: the cluster's ports, environment and proxy configuration."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.app.settings import Settings
from bot.launcher.cluster import Topology, cluster_env, database_name, haproxy_config


def settings(**env):
    return Settings.from_env({"RASA_PORT": "6005", "ACTION_PORT": "6055", "CONSOLE_PORT": "6080", **env})


def test_ports_follow_the_contract():
    topology = Topology.from_settings(settings(CLUSTER_REPLICAS="3"))
    assert topology.replica_ports() == [6006, 6007, 6008]
    assert topology.action_ports() == [6055, 6056, 6057]
    assert topology.action_proxy_port == 6054
    assert len(set(topology.ports())) == len(topology.ports())


def test_sqlite_urls_become_postgresql_databases_and_others_are_kept():
    topology = Topology.from_settings(settings())
    assert topology.tracker_store_url.startswith("postgresql://")
    assert database_name(topology.tracker_store_url) == "fapiao_tracker"
    assert database_name(topology.app_database_url) == "fapiao_app"
    mine = Topology.from_settings(settings(APP_DATABASE_URL="postgresql://u@db:5432/app"))
    assert mine.app_database_url == "postgresql://u@db:5432/app"


def test_every_process_gets_the_shared_services(tmp_path):
    config = settings(VAR_DIR=str(tmp_path), REDIS_URL="redis://10.0.0.5:6390/2")
    env = cluster_env(config, Topology.from_settings(config))
    assert env["RASA_URL"] == "http://127.0.0.1:6005"
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6054/webhook"
    assert env["LOCK_STORE_TYPE"] == "redis"
    assert (env["LOCK_STORE_HOST"], env["LOCK_STORE_PORT"]) == ("10.0.0.5", "6390")
    assert env["EVENT_BROKER_TYPE"] == "pika" and env["TRACKER_DB_DIALECT"] == "postgresql"
    assert env["REDIS_URL"] == "redis://10.0.0.5:6390/2"


def test_the_proxy_spreads_rest_sticks_socketio_and_retries_once_elsewhere():
    text = haproxy_config(Topology.from_settings(settings()))
    assert "bind 127.0.0.1:6005" in text and "bind 127.0.0.1:6054" in text
    assert "server rasa-2 127.0.0.1:6007 check" in text and "server actions-2 127.0.0.1:6056 check" in text
    rest, socketio = text.split("\nbackend rasa_rest")[1], text.split("\nbackend rasa_socketio")[1]
    assert "balance roundrobin" in rest.split("\nbackend")[0] and "balance source" in socketio.split("\nbackend")[0]
    assert "X-Request-ID %[uuid()]" in text and "retry-on conn-failure empty-response" in text


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed (make cluster installs it)")
def test_haproxy_accepts_the_configuration(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy_config(Topology.from_settings(settings())))
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
