"""Checking an action server's response against Rasa's schema, each event against its own type.

Rasa 3.6's response schema (``RemoteAction.action_response_format_spec``) describes an event as
common properties plus ``oneOf`` 23 alternatives, one per event type, each fixed by
``"event": {"const": <type>}``. A general JSON-schema validator must try all 23 alternatives for
every event to see that exactly one matches: with a validator built once, that was still 9 % of
the Rasa server's CPU per turn (py-spy; a validator compiled by ``fastjsonschema`` was slower).

Because every alternative fixes a different ``event`` value, an event satisfies the ``oneOf``
exactly when the one alternative named by its own ``event`` value accepts it (any other
alternative fails on its ``const``; an unknown or missing type matches none). So
:class:`ActionResponseValidator` checks the response without the event alternatives, then each
event against the common properties and its own alternative: the same verdict with one
alternative per event instead of 23. A schema that does not have this shape (another Rasa
version) is checked as a whole, as before.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Optional


class ActionResponseValidator:
    """``is_valid(response)``: the verdict of ``jsonschema`` on Rasa's response schema."""

    def __init__(self, schema: Dict[str, Any]) -> None:
        from jsonschema import validators

        def build(part: Dict[str, Any]) -> Any:
            return validators.validator_for(schema)(part)

        self._whole = build(schema)
        self._outer: Optional[Any] = None
        self._common: Optional[Any] = None
        self._by_type: Dict[Any, Any] = {}
        event_schema = schema.get("properties", {}).get("events", {}).get("items")
        alternatives = (event_schema or {}).get("oneOf")
        types = [(alternative.get("properties") or {}).get("event", {}).get("const")
                 for alternative in alternatives or []]
        if not alternatives or None in types or len(set(types)) != len(types):
            return  # not the shape described above: the whole schema decides
        outer = copy.deepcopy(schema)
        outer["properties"]["events"].pop("items")
        common = {key: value for key, value in event_schema.items() if key != "oneOf"}
        self._outer = build(outer)
        self._common = build(common)
        self._by_type = {name: build(alternative) for name, alternative in zip(types, alternatives)}

    def is_valid(self, response: Any) -> bool:
        if self._outer is None or self._common is None:
            return bool(self._whole.is_valid(response))
        if not self._outer.is_valid(response):
            return False
        events = response.get("events", []) if isinstance(response, dict) else []
        for event in events:
            if not self._common.is_valid(event):
                return False
            alternative = self._by_type.get(event.get("event")) if isinstance(event, dict) else None
            if alternative is None or not alternative.is_valid(event):
                return False
        return True
