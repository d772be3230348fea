"""bot/rasa_plugins/server.py: Rasa's action-response validation, with a validator built once."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_plugins.server import install_cached_action_validation

VALID = {
    "events": [{"event": "slot", "timestamp": None, "name": "problem", "value": "login_failure"}],
    "responses": [{"response": "utter_troubleshooting_step",
                   "buttons": [{"title": "已解决", "payload": "/problem_solved"}]}],
}


@pytest.fixture
def action(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    install_cached_action_validation()
    return RemoteAction("action_next_step", None)


def test_a_valid_response_passes_without_rebuilding_the_validator(action, monkeypatch):
    assert action._validate_action_result(VALID) is True
    # From now on jsonschema.validate (the metaschema check) is not called at all.
    monkeypatch.setattr("jsonschema.validate", lambda *a, **k: pytest.fail("metaschema check ran"))
    assert action._validate_action_result(VALID) is True


def test_an_invalid_response_fails_with_rasas_own_error(action):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_installing_twice_keeps_one_layer(action):
    patched = RemoteAction._validate_action_result
    install_cached_action_validation()
    assert RemoteAction._validate_action_result is patched


def test_blas_is_limited_to_one_thread_in_the_server_process():
    import json
    import os
    import subprocess
    import sys

    script = ("import json, numpy, scipy.linalg\n"
              "from threadpoolctl import threadpool_info\n"
              "from bot.rasa_plugins.server import limit_blas_to_one_thread\n"
              "before = [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
              "limit_blas_to_one_thread()\n"
              "after = [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
              "print(json.dumps([before, after]))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_NUM", "OMP_NUM"))}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    assert after and all(n == 1 for n in after)
    assert len(after) == len(before)  # every BLAS library loaded (numpy's, scipy's) is limited
