"""bot/rasa_plugins/event_types.py: Rasa's event-type lookup, remembered, with Rasa's answers."""
import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered, deserialise_events

from bot.rasa_plugins.event_types import install_event_type_cache

RASA_RESOLVE = Event.__dict__["resolve_by_type"]


@pytest.fixture
def remembered(monkeypatch):
    monkeypatch.setattr(Event, "resolve_by_type", RASA_RESOLVE)
    install_event_type_cache()
    walks = []
    rasa_walk = rasa.shared.utils.common.all_subclasses
    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", lambda cls: walks.append(cls) or rasa_walk(cls))
    return walks


def test_every_event_type_resolves_to_rasas_class(remembered):
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        if cls.type_name != "event":
            assert Event.resolve_by_type(cls.type_name) is RASA_RESOLVE.__func__(cls.type_name)


def test_a_known_type_walks_the_subclasses_once(remembered):
    events = [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}}},
              {"event": "slot", "name": "problem", "value": "x"},
              {"event": "action", "name": "action_listen"}] * 20
    first = deserialise_events(events)
    walks_after_first = remembered.count(Event)  # a walk starts at Event and recurses
    second = deserialise_events(events)
    assert [type(e) for e in first] == [type(e) for e in second] == [UserUttered, SlotSet, ActionExecuted] * 20
    assert walks_after_first <= 3 and remembered.count(Event) == walks_after_first


def test_unknown_names_keep_rasas_answers(remembered):
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


def test_installing_twice_keeps_one_layer(remembered):
    patched = Event.__dict__["resolve_by_type"]
    install_event_type_cache()
    assert Event.__dict__["resolve_by_type"] is patched
