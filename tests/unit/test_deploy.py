"""deploy/: the compose file and the Kubernetes manifests keep the environment contract of
`make cluster` (bot/app/settings.py, endpoints.yml), and every long-running container has
health and readiness probes and resource requests. `make check` runs this with yamllint and
kubernetes-validate (schemas of Kubernetes 1.30); nothing here starts a container."""
from __future__ import annotations

import re
from typing import Dict, Iterator, List, Set

import pytest
import yaml

from bot.app.settings import PROJECT_ROOT, Settings
from bot.launcher.cluster import Topology, haproxy_config

DEPLOY = PROJECT_ROOT / "deploy"
K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))
#: Variables read by programs other than Settings (Rasa, rasa-sdk, the images) or by compose.
OTHER_VARIABLES = {"SANIC_HOST", "RASA_TELEMETRY_ENABLED", "POSTGRES_PASSWORD", "POSTGRES_USER",
                   "POSTGRES_DB", "RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS"}


def settings_variables() -> Set[str]:
    return {field.field_info.extra["env"] for field in Settings.__fields__.values()}


def endpoint_variables() -> Set[str]:
    lines = (PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8").splitlines()
    return set(re.findall(r"\$\{(\w+)\}", "\n".join(line.split("#", 1)[0] for line in lines)))


def known_variables() -> Set[str]:
    return settings_variables() | endpoint_variables() | OTHER_VARIABLES


def k8s_documents() -> Iterator[dict]:
    for path in K8S:
        yield from (d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def deployments() -> Dict[str, dict]:
    return {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == "Deployment"}


def shared_k8s_variables() -> Set[str]:
    names: Set[str] = set()
    for document in k8s_documents():
        if document["kind"] == "ConfigMap":
            names |= set(document["data"])
        if document["kind"] == "Secret":
            names |= set(document.get("stringData") or {})
    return names


def test_every_variable_the_deployments_set_is_part_of_the_contract():
    names = shared_k8s_variables()
    for deployment in deployments().values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            names |= {e["name"] for e in container.get("env", [])}
    for service in compose()["services"].values():
        names |= set(service.get("environment") or {})
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    unknown = names - known_variables()
    assert not unknown, f"not read by Settings, endpoints.yml or a known program: {sorted(unknown)}"


def test_the_rasa_containers_get_every_variable_endpoints_yml_needs():
    k8s = shared_k8s_variables()
    assert endpoint_variables() <= k8s, sorted(endpoint_variables() - k8s)
    rasa = compose()["services"]["rasa"]
    given = set(rasa["environment"]) | set(compose()["x-app"]["environment"])
    given |= {line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text().splitlines()
              if line and not line.startswith("#")}
    assert endpoint_variables() <= given, sorted(endpoint_variables() - given)


@pytest.mark.parametrize("name", ["rasa", "actions", "console", "analytics"])
def test_every_kubernetes_container_has_probes_and_requests(name):
    container = deployments()[name]["spec"]["template"]["spec"]["containers"][0]
    assert "readinessProbe" in container and "livenessProbe" in container
    requests = container["resources"]["requests"]
    assert {"cpu", "memory"} <= set(requests) and "memory" in container["resources"]["limits"]


@pytest.mark.parametrize("name", ["rasa", "actions", "console", "analytics", "proxy", "postgres", "redis", "rabbitmq"])
def test_every_compose_service_has_a_health_check(name):
    service = compose()["services"][name]
    assert "healthcheck" in service or "healthcheck" in compose().get("x-app", {}), name


def test_the_rasa_replicas_are_spread_and_socketio_is_sticky_in_every_topology():
    generated = haproxy_config(Topology.from_settings(Settings.from_env({})))
    composed = (DEPLOY / "haproxy" / "haproxy.cfg").read_text(encoding="utf-8")
    for text in (generated, composed):
        assert "X-Request-ID %[uuid()]" in text and "retry-on conn-failure empty-response" in text
        assert "balance source" in text.split("\nbackend rasa_socketio")[1].split("\nbackend")[0]
    ingress = {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == "Ingress"}
    assert ingress["rasa-socketio"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert "nginx.ingress.kubernetes.io/affinity" not in (ingress["rasa-webhooks"]["metadata"].get("annotations") or {})


def test_one_image_runs_every_process_with_the_commands_of_the_launcher():
    commands: List[List[str]] = [d["spec"]["template"]["spec"]["containers"][0]["command"]
                                 for d in deployments().values()]
    modules = {command[2] for command in commands}
    assert modules == {"bot.rasa_plugins.server", "actions", "bot.console", "bot.app.analytics"}
    images = {d["spec"]["template"]["spec"]["containers"][0]["image"] for d in deployments().values()}
    assert len(images) == 1
    assert (DEPLOY / "Dockerfile").read_text(encoding="utf-8").count("constraints.txt") >= 2


def test_the_example_secret_holds_no_real_secret():
    secret = next(d for d in k8s_documents() if d["kind"] == "Secret")
    assert all("CHANGE-ME" in value for value in secret["stringData"].values())
    assert all(not line.split("=", 1)[1] for line in (DEPLOY / "env.example").read_text().splitlines()
               if line and not line.startswith("#") and ("PASSWORD" in line or "TOKEN" in line or "SECRET" in line))


def test_the_documents_are_where_the_docs_say():
    assert (PROJECT_ROOT / "docs" / "deployment.md").exists()
    assert "deploy/compose.yaml" in (PROJECT_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
