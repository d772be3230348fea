"""What Rasa's validation of an action-server response costs: ``python -m bench.schema_cost``.

Rasa 3.6 (``RemoteAction._validate_action_result``) calls ``jsonschema.validate(result, schema)``
for every custom action it runs. ``jsonschema.validate`` first checks the *schema* against its
metaschema, every time. This module times that call on a typical response of this project
against a validator built once, and prints JSON (the bench runs it in a child process so the
bench itself does not import Rasa and TensorFlow).
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Dict

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# A response like action_next_step's: slot events and a step with three buttons.
RESPONSE = {
    "events": [{"event": "slot", "timestamp": None, "name": name, "value": value}
               for name, value in (("problem", "login_failure"), ("step_index", 2.0),
                                   ("steps_tried", ["login_failure.1", "login_failure.2"]))],
    "responses": [{"response": "utter_troubleshooting_step", "text": "第 2 步：……",
                   "buttons": [{"title": t, "payload": p} for t, p in
                               (("已解决", "/problem_solved"), ("没解决", "/problem_persists"),
                                ("转人工", "/request_human"))]}],
}


def measure(calls: int = 30) -> Dict[str, float]:
    """Milliseconds per validation: Rasa's way, and with a validator built once."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction("action_next_step", None).action_response_format_spec()
    started = time.perf_counter()
    for _ in range(calls):
        jsonschema.validate(RESPONSE, schema)
    as_rasa = (time.perf_counter() - started) / calls
    validator = jsonschema.validators.validator_for(schema)(schema)
    started = time.perf_counter()
    for _ in range(calls):
        validator.validate(RESPONSE)
    prebuilt = (time.perf_counter() - started) / calls
    return {"jsonschema": jsonschema.__version__, "calls": calls,
            "validate_ms": as_rasa * 1000, "prebuilt_validator_ms": prebuilt * 1000}


if __name__ == "__main__":
    print(json.dumps(measure()))
    sys.exit(0)
