"""Rasa's event-type lookup, remembered (issue 11, docs/benchmarks.md).

Every event read back from the tracker store is turned into its class by
``Event.resolve_by_type(type_name)``, which walks *all* subclasses of ``Event`` (recursively,
with an ``inspect.isabstract`` check per class) for each event, every time. A conversation of
60 events costs 60 walks on every turn: py-spy put it at about 9 % of the Rasa server's CPU under
load (``resolve_by_type`` < ``deserialise_events`` < ``DialogueStateTracker.from_dict``).

Here a type name, once resolved to a class, is remembered. Event classes are defined when their
modules are imported and never change, so the answer is the same as Rasa's; names Rasa does not
know (``topic``, unknown names with or without a default) still go through Rasa's own method
every time, with its own result or error.
"""
from __future__ import annotations

from typing import Any, Dict, Optional


def install_event_type_cache() -> None:
    """Wrap ``Event.resolve_by_type`` with a per-name memory of found classes (idempotent)."""
    from rasa.shared.core.events import Event

    rasa_resolve = Event.resolve_by_type
    if getattr(rasa_resolve, "remembers_types", False):
        return
    found: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
        cls = found.get(type_name)
        if cls is not None:
            return cls
        cls = rasa_resolve(type_name, default)
        if cls is not None and cls is not default:
            found[type_name] = cls
        return cls

    resolve_by_type.remembers_types = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)
