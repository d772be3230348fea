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


def test_the_compiled_validator_agrees_with_jsonschema_on_real_and_broken_responses(action):
    from jsonschema import validators

    schema = RemoteAction.action_response_format_spec()
    reference = validators.validator_for(schema)(schema)
    user = {"event": "user", "text": "发票查不到", "parse_data": {"intent": {"name": "invoice_missing",
                                                                       "confidence": 0.9},
                                                            "entities": [{"entity": "invoice_number",
                                                                          "value": "12345678", "start": 0,
                                                                          "end": 8}]}}
    responses = [
        VALID,
        {"events": [user, {"event": "bot", "text": "好的"}, {"event": "followup", "name": "action_listen"}]},
        {"events": [], "responses": []},
        {"events": [{"event": "slot"}]},                      # a slot event without its name
        {"events": [{"timestamp": 1.0}]},                     # no event type
        {"events": [{"event": "user", "parse_data": {"entities": [{"value": 1}]}}]},  # entity without name
        {"events": "not a list"},
        {"responses": {"text": "not a list"}},
    ]
    for response in responses:
        if reference.is_valid(response):
            assert action._validate_action_result(response) is True
        else:
            with pytest.raises(ValidationError):
                action._validate_action_result(response)
    assert sum(reference.is_valid(r) for r in responses) >= 3, "the valid ones are really valid"
