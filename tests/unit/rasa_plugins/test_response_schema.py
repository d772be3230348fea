"""bot/rasa_plugins/response_schema.py: the per-type check gives jsonschema's verdict on Rasa's
response schema, for real responses and for generated, mostly broken, ones."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import validators
from rasa.core.actions.action import RemoteAction

from bot.rasa_plugins.response_schema import ActionResponseValidator

SCHEMA = RemoteAction.action_response_format_spec()
REFERENCE = validators.validator_for(SCHEMA)(SCHEMA)
OURS = ActionResponseValidator(SCHEMA)
TYPES = [alternative["properties"]["event"]["const"]
         for alternative in SCHEMA["properties"]["events"]["items"]["oneOf"]]

values = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=32),
                   st.text(max_size=3), st.lists(st.integers(0, 2), max_size=2),
                   st.dictionaries(st.sampled_from(["name", "text", "x"]), st.text(max_size=2), max_size=2))
fields = ["name", "text", "value", "timestamp", "metadata", "parse_data", "policy", "confidence",
          "data", "buttons", "entities", "intent", "kill_on_user_msg", "date_time", "input_channel"]
events = st.one_of(
    st.fixed_dictionaries({"event": st.sampled_from(TYPES + ["no_such_type"])},
                          optional={f: values for f in fields}),
    st.dictionaries(st.sampled_from(fields), values, max_size=3),  # no event type
    values,  # not an object at all
)
responses = st.one_of(
    st.fixed_dictionaries({}, optional={"events": st.lists(events, max_size=4),
                                        "responses": st.lists(values, max_size=2)}),
    values,
)


def test_the_per_type_check_is_used_for_rasas_schema():
    assert OURS._outer is not None and sorted(OURS._by_type) == sorted(TYPES)


@settings(max_examples=400, deadline=None)
@given(responses)
def test_the_verdict_is_jsonschemas(response):
    assert OURS.is_valid(response) == REFERENCE.is_valid(response)


def test_real_responses_pass_and_a_schema_of_another_shape_is_checked_whole():
    real = {"events": [{"event": "slot", "timestamp": None, "name": "problem", "value": "login_failure"},
                       {"event": "bot", "text": "第 1 步", "data": {"buttons": [{"title": "好", "payload": "/ok"}]}},
                       {"event": "followup", "name": "action_listen"}],
            "responses": [{"response": "utter_troubleshooting_step"}]}
    assert OURS.is_valid(real) and REFERENCE.is_valid(real)
    plain = ActionResponseValidator({"type": "object", "properties": {"events": {"type": "array"}}})
    assert plain._outer is None and plain.is_valid({"events": []}) and not plain.is_valid({"events": 1})
