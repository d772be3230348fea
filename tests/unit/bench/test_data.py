"""Reading and writing Rasa NLU YAML."""
from __future__ import annotations

import yaml

from bench.data import Example, load_examples, load_nlu, render_nlu_yaml, write_nlu_yaml


def test_round_trip_keeps_examples_and_other_items(tmp_path):
    examples = [Example("登录不上", "login_failure"), Example("发票呢？？？", "invoice_missing"),
                Example("查询no data", "query_empty"), Example("登陆了N次都不行", "login_failure")]
    others = [{"synonym": "增值税专用发票", "examples": "- 专票\n"}]
    path = write_nlu_yaml(tmp_path / "fold" / "nlu.yml", examples, others)
    loaded, loaded_others = load_nlu(path)
    assert sorted(loaded, key=lambda e: e.text) == sorted(examples, key=lambda e: e.text)
    assert loaded_others == others


def test_rendered_yaml_is_rasa_3_format():
    doc = yaml.safe_load(render_nlu_yaml([Example("你好", "greet")]))
    assert doc["version"] == "3.1"
    assert doc["nlu"] == [{"intent": "greet", "examples": "- 你好\n"}]


def test_loads_a_folder_recursively(tmp_path):
    write_nlu_yaml(tmp_path / "a.yml", [Example("a", "greet")])
    write_nlu_yaml(tmp_path / "sub" / "b.yml", [Example("b", "goodbye")])
    assert {e.intent for e in load_examples(tmp_path)} == {"greet", "goodbye"}


def test_the_test_files_load():
    from bench import HARD_FILE, HELDOUT_FILE

    for path in (HELDOUT_FILE, HARD_FILE):
        examples = load_examples(path)
        assert examples and all(e.text and e.intent for e in examples)


def test_loads_the_list_form_of_examples_with_metadata(tmp_path):
    path = tmp_path / "real.yml"
    path.write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "- intent: login_failure\n"
        "  examples:\n"
        '  - text: "【税局接口提示】税局登录账号信息出错，请检查！"\n'
        "    metadata:\n"
        "      source: https://example.org/a\n"
        "  - text: 登录失败\n"
        "  - 密码错误\n", encoding="utf-8")
    assert load_examples(path) == [Example("【税局接口提示】税局登录账号信息出错，请检查！", "login_failure"),
                                   Example("登录失败", "login_failure"), Example("密码错误", "login_failure")]


def test_the_training_data_loads():
    from bench import TRAINING_NLU

    examples, _ = load_nlu(TRAINING_NLU)
    assert examples and all(isinstance(e.text, str) and e.text and e.intent for e in examples)
