"""Rasa's prediction graphs run in order, without dask (issue 11, docs/benchmarks.md).

Every message is parsed by one run of Rasa's graph and every action is chosen by another.
Rasa 3.6's ``DaskGraphRunner.run`` rebuilds, on each run, the minimal schema of the targets
(a recursive walk of the graph without memory, visiting shared ancestors once per path), a
fresh dask graph, and a debug message that formats every input (the whole tracker), and then
hands the graph to dask's scheduler, which orders and dispatches the nodes. py-spy put that
machinery at about 9 % of the Rasa server's CPU under load, more than the policies it runs.

Here the order of each set of targets is worked out once (a depth-first topological order of
the nodes the targets need), and a run calls each node once, in that order, with its parents'
outputs, as dask does: the same ``GraphNode`` objects are called with the same arguments, so
hooks, caching and errors are Rasa's (a ``RuntimeError`` is still a ``GraphRunError``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

Order = Tuple[Tuple[str, Tuple[str, ...]], ...]


def execution_order(needs: Mapping[str, Sequence[str]], targets: Sequence[str]) -> Order:
    """The nodes ``targets`` depend on, each after its parents, with the names of its parents
    in the order of its ``needs``; names that are not nodes (inputs) are left out."""
    order: List[Tuple[str, Tuple[str, ...]]] = []
    done: set = set()

    def visit(name: str, path: Tuple[str, ...]) -> None:
        if name in done or name not in needs:
            return
        if name in path:
            raise ValueError(f"the graph has a cycle through {name!r}")
        for parent in needs[name]:
            visit(parent, path + (name,))
        done.add(name)
        order.append((name, tuple(needs[name])))

    for target in targets:
        visit(target, ())
    return tuple(order)


def install_sequential_graph_runner() -> None:
    """Replace ``DaskGraphRunner.run`` by the ordered run (idempotent)."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    if getattr(DaskGraphRunner.run, "fapiao_sequential", False):
        return

    def run(self: Any, inputs: Optional[Dict[str, Any]] = None,
            targets: Optional[List[str]] = None) -> Dict[str, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        orders = self.__dict__.setdefault("_fapiao_orders", {})
        order = orders.get(run_targets)
        if order is None:
            needs = {name: list(node.needs.values()) for name, node in self._graph_schema.nodes.items()}
            order = orders[run_targets] = execution_order(needs, run_targets)
        values: Dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of "
                    f"the input names passed to the `run` method are the same as node names "
                    f"in the graph schema.")
            values[name] = (name, value)  # as DaskGraphRunner._add_inputs_to_graph passes it
        try:
            for name, parents in order:
                if name not in values:  # an input named like a node replaces it, as in dask
                    values[name] = self._instantiated_nodes[name](*(values[p] for p in parents))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(values[target] for target in run_targets)

    run.fapiao_sequential = True  # type: ignore[attr-defined]
    DaskGraphRunner.run = run
