"""bot/rasa_plugins/graph_runner.py: the ordered run gives dask's results, runs each node once,
and fails as Rasa's runner fails."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from bot.rasa_plugins.graph_runner import execution_order, install_sequential_graph_runner

CALLS: List[str] = []


class Step(GraphComponent):
    """Appends its name to what its parents produced (a list of names)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage, resource, execution_context) -> "Step":
        return cls(config["name"])

    def combine(self, **parents: Any) -> List[str]:
        CALLS.append(self.name)
        if self.name == "broken":
            raise RuntimeError("this node fails")
        merged: List[str] = []
        for key in sorted(parents):
            value = parents[key]
            merged += value if isinstance(value, list) else [str(value)]
        return merged + [self.name]


def node(name: str, needs: Dict[str, str], target: bool = False) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Step, constructor_name="create", fn="combine",
                      config={"name": name}, is_target=target)


# A diamond with a shared ancestor, two targets and an input placeholder.
SCHEMA = GraphSchema({
    "root": node("root", {"text": "__message__"}),
    "left": node("left", {"a": "root"}),
    "right": node("right", {"a": "root"}),
    "join": node("join", {"a": "left", "b": "right"}, target=True),
    "side": node("side", {"a": "left"}, target=True),
    "unused": node("unused", {"a": "root"}),
    "broken": node("broken", {"a": "root"}),
})


@pytest.fixture
def runners(tmp_path, monkeypatch):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(SCHEMA, "model")
    dask_runner = DaskGraphRunner(SCHEMA, storage, context)
    monkeypatch.setattr(DaskGraphRunner, "run", DaskGraphRunner.run)
    rasas_run = DaskGraphRunner.run
    install_sequential_graph_runner()
    ours = DaskGraphRunner(SCHEMA, storage, context)
    return (lambda **kw: rasas_run(dask_runner, **kw)), ours.run


@pytest.mark.parametrize("targets", [["join"], ["side", "join"], ["root"]])
def test_the_ordered_run_gives_dasks_results_and_runs_each_node_once(runners, targets):
    dasks, ours = runners
    inputs = {"__message__": "你好"}
    CALLS.clear()
    expected = dasks(inputs=inputs, targets=targets)
    dask_calls = sorted(CALLS)
    CALLS.clear()
    assert ours(inputs=inputs, targets=targets) == expected
    assert sorted(CALLS) == dask_calls and len(CALLS) == len(set(CALLS))
    assert "unused" not in CALLS
    CALLS.clear()
    assert ours(inputs=inputs, targets=targets) == expected, "the cached order gives the same again"


def test_a_failing_node_fails_the_run_as_in_rasa(runners):
    dasks, ours = runners
    with pytest.raises(Exception) as in_dask:
        dasks(inputs={"__message__": "x"}, targets=["broken"])
    with pytest.raises(Exception) as in_ours:
        ours(inputs={"__message__": "x"}, targets=["broken"])
    assert type(in_ours.value) is type(in_dask.value)  # Rasa's GraphComponentException
    assert str(in_ours.value) == str(in_dask.value)


def test_an_input_value_named_like_a_node_is_refused_as_in_rasa(runners):
    _, ours = runners
    with pytest.raises(GraphRunError):
        ours(inputs={"__message__": "root"}, targets=["join"])


def test_the_order_puts_parents_first_and_finds_cycles():
    needs = {"c": ["a", "b"], "b": ["a"], "a": ["__input__"]}
    assert execution_order(needs, ["c"]) == (("a", ("__input__",)), ("b", ("a",)), ("c", ("a", "b")))
    with pytest.raises(ValueError):
        execution_order({"x": ["y"], "y": ["x"]}, ["x"])
