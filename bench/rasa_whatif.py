"""``python -m bench.rasa_whatif run ...``: the Rasa server with one optimisation, for a what-if.

Same as ``python -m rasa``, except that ``RemoteAction._validate_action_result`` checks the
action server's response with a jsonschema validator built once, instead of
``jsonschema.validate`` (which re-checks the schema against its metaschema on every call; see
bench/schema_cost.py). Invalid responses still fail exactly as before: on a validation error
the original method runs and raises Rasa's own error. Used only by the optional ``whatif``
phase, to measure what the optimisation would give; the project's code is not changed.
"""
from __future__ import annotations

from typing import Any, Dict


def patch() -> None:
    """Install the cached-validator version of ``_validate_action_result``."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    cache: Dict[str, Any] = {}

    def validate_with_cached_validator(self: RemoteAction, result: Dict[str, Any]) -> bool:
        validator = cache.get("validator")
        if validator is None:
            schema = self.action_response_format_spec()  # the same for every remote action
            validator = cache["validator"] = jsonschema.validators.validator_for(schema)(schema)
        if validator.is_valid(result):
            return True
        return original(self, result)

    RemoteAction._validate_action_result = validate_with_cached_validator


def main() -> None:
    patch()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
