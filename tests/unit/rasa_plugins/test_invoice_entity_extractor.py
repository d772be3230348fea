"""``InvoiceEntityExtractor`` inside Rasa: after JiebaTokenizer, in the recipe's graphs."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.data import TrainingType
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.nlu.invoice_entities import InvoiceEntityExtractor

REPO = Path(__file__).resolve().parents[3]
NAME = "bot.rasa_plugins.nlu.invoice_entities.InvoiceEntityExtractor"


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage.create(tmp_path)


@pytest.fixture
def context():
    return ExecutionContext(GraphSchema({}), "test-model")


@pytest.fixture
def tokenizer(storage, context):
    config = {**JiebaTokenizer.get_default_config(), "dictionary_path": str(REPO / "data" / "jieba")}
    return JiebaTokenizer.create(config, storage, Resource("tokenizer"), context)


def make_extractor(storage, context, **config):
    merged = {**InvoiceEntityExtractor.get_default_config(), **config}
    return InvoiceEntityExtractor.create(merged, storage, Resource("extractor"), context)


@pytest.fixture
def extractor(storage, context):
    return make_extractor(storage, context)


def run(tokenizer, extractor, *messages):
    tokenizer.process(list(messages))
    return extractor.process(list(messages))


def test_entities_after_jieba_tokenizer(tokenizer, extractor):
    text = "我的专票发票号码１２３４５６７８没收到"
    (message,) = run(tokenizer, extractor, Message(data={TEXT: text}))
    tokens = [t.text for t in message.get(TOKENS_NAMES[TEXT])]
    assert "没收到" in tokens  # the user dictionary is loaded into jieba
    entities = {e["entity"]: e for e in message.get(ENTITIES)}
    assert set(entities) == {"invoice_type", "invoice_number"}
    number = entities["invoice_number"]
    assert number["value"] == "12345678"
    assert text[number["start"] : number["end"]] == "１２３４５６７８"
    assert number["extractor"] == "InvoiceEntityExtractor"
    assert number["confidence_entity"] == 1.0
    assert entities["invoice_type"]["value"] == "增值税专用发票"
    assert ENTITIES in message.output_properties


def test_existing_entities_are_not_duplicated(tokenizer, extractor):
    given = {"entity": "invoice_number", "start": 4, "end": 12, "value": "12345678", "extractor": "X"}
    message = Message(data={TEXT: "发票号码12345678，税号91350100M000100Y43", ENTITIES: [given]})
    (message,) = run(tokenizer, extractor, message)
    entities = message.get(ENTITIES)
    assert [e["entity"] for e in entities] == ["invoice_number", "tax_id"]
    assert entities[0] is given


def test_entity_given_without_offsets_is_not_duplicated(tokenizer, extractor):
    given = {"entity": "invoice_number", "value": "12345678"}
    message = Message(data={TEXT: "发票号码12345678", ENTITIES: [given]})
    (message,) = run(tokenizer, extractor, message)
    assert message.get(ENTITIES) == [given]


def test_message_without_entities_is_left_alone(tokenizer, extractor):
    (message,) = run(tokenizer, extractor, Message(data={TEXT: "你好"}))
    assert message.get(ENTITIES) is None


def test_message_without_text_is_skipped(extractor):
    message = Message(data={"intent": {"name": "greet"}})
    assert extractor.process([message]) == [message]


def test_relative_dates_use_the_date_at_processing_time(tokenizer, extractor):
    from bot.zhtext import china_today

    (message,) = run(tokenizer, extractor, Message(data={TEXT: "今天开的票"}))
    (entity,) = message.get(ENTITIES)
    assert entity["value"] == china_today().isoformat()


def test_entities_can_be_restricted(storage, context, tokenizer):
    extractor = make_extractor(storage, context, entities=["tax_id"])
    (message,) = run(tokenizer, extractor, Message(data={TEXT: "发票号码12345678，税号91350100M000100Y43"}))
    assert [e["entity"] for e in message.get(ENTITIES)] == ["tax_id"]


def test_unknown_entity_names_are_rejected(storage, context):
    with pytest.raises(ValueError):
        make_extractor(storage, context, entities=["invoice_nmuber"])


def test_recipe_places_the_component_in_the_predict_graph_only():
    config = {
        "recipe": "default.v1",
        "language": "zh",
        "pipeline": [
            {"name": "JiebaTokenizer", "dictionary_path": "data/jieba"},
            {"name": NAME},
            {"name": "KeywordIntentClassifier"},
        ],
        "policies": [],
    }
    graphs = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.NLU)
    predict = [n for n in graphs.predict_schema.nodes.values() if n.uses is InvoiceEntityExtractor]
    train = [n for n in graphs.train_schema.nodes.values() if n.uses is InvoiceEntityExtractor]
    assert len(predict) == 1 and train == []
    (node,) = predict
    assert node.fn == "process" and node.resource is None  # nothing persisted
    tokenizer_node = next(n for n, s in graphs.predict_schema.nodes.items() if s.uses is JiebaTokenizer)
    assert node.needs == {"messages": tokenizer_node}


def test_trained_model_reports_the_entities(tmp_path, monkeypatch):
    """A real (tiny) NLU model with the component in config.yml, trained and loaded."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
    (tmp_path / "config.yml").write_text(
        "recipe: default.v1\nlanguage: zh\nassistant_id: test\npipeline:\n"
        f"  - name: JiebaTokenizer\n    dictionary_path: {REPO / 'data' / 'jieba'}\n"
        f"  - name: {NAME}\n"
        "  - name: KeywordIntentClassifier\npolicies: []\n",
        encoding="utf-8",
    )
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: invoice_missing\n  examples: |\n    - 发票没收到\n    - 票没收到\n'
        "- intent: greet\n  examples: |\n    - 你好\n    - 您好\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    model = train_nlu("config.yml", "nlu.yml", str(tmp_path / "models"), fixed_model_name="m")
    parsed = asyncio.run(Agent.load(model).parse_message("我的专票发票号码12345678没收到"))
    found = {(e["entity"], e["value"], e["extractor"]) for e in parsed["entities"]}
    assert found == {
        ("invoice_type", "增值税专用发票", "InvoiceEntityExtractor"),
        ("invoice_number", "12345678", "InvoiceEntityExtractor"),
    }
