"""bench/model_choice.py: sources as the labelling rules define them, folds by whole source,
candidates derived from one parse result."""
from __future__ import annotations

from bench.model_choice import RealItem, candidate_predictions, group_folds, load_real, source_group


def test_source_groups():
    assert source_group("https://www.chinaacc.com/a/b.html") == "chinaacc.com"
    assert source_group("https://m.chinaacc.com/x") == "chinaacc.com"
    assert source_group("https://tw.news.yahoo.com/x") == "yahoo.com"
    assert source_group("https://www.example.com.cn/x") == "example.com.cn"
    assert source_group("https://github.com/Owner/Repo/blob/abc/f.py") == "github.com/owner/repo"


def test_folds_keep_each_source_whole_and_cover_every_item():
    items = [RealItem(f"t{n}", ["login_failure", "query_empty", "ask_invoice_question"][n % 3], "",
                      f"g{n % 17}", None) for n in range(170)]
    folds = group_folds(items, 5)
    assert sorted(i for fold in folds for i in fold) == list(range(170))
    for fold in folds:
        others = {items[i].group for f in folds if f is not fold for i in f}
        assert not {items[i].group for i in fold} & others


def test_the_real_corpus_loads_with_sources():
    items = load_real()
    assert len(items) > 500 and all(i.source.startswith("http") for i in items)


def test_one_parse_result_gives_every_candidate_and_the_catalogue_still_decides():
    parsed = {
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5},
                           {"name": "query_empty", "confidence": 0.4}],
        "entities": [],
        "linear_intent_ranking": [{"name": "login_failure", "confidence": 0.6},
                                  {"name": "query_empty", "confidence": 0.4}],
        "previous_intent_ranking": [{"name": "query_empty", "confidence": 0.9},
                                    {"name": "login_failure", "confidence": 0.1}],
    }
    got = candidate_predictions("x", parsed)
    assert got["x"] == "query_empty"  # the fallback undone
    assert got["x/linear"] == "login_failure"
    assert got["x/previous"] == "query_empty"
    assert got["x/blend0.3"] == "query_empty"
    parsed["intent"] = {"name": "upload_failure", "confidence": 1.0}
    parsed["entities"] = [{"entity": "known_error", "value": "k"}]
    assert set(candidate_predictions("x", parsed).values()) == {"upload_failure"}


def test_report_blends_one_configs_diet_with_anothers_linear_model(tmp_path, monkeypatch):
    import json

    from bench import model_choice

    items = [RealItem("登录不上", "login_failure", "", "g1", None),
             RealItem("系统崩了", "system_outage", "", "g2", None)]
    monkeypatch.setattr(model_choice, "load_real", lambda directory=None: items)
    (tmp_path / "results").mkdir()
    (tmp_path / "folds.json").write_text(json.dumps({"folds": 1, "items": 2, "test": [[0, 1]]}))

    def parsed(text, diet, linear):
        return {"text": text, "intent": {"name": diet}, "entities": [],
                **({"previous_intent_ranking": [{"name": diet, "confidence": 0.6},
                                                {"name": linear, "confidence": 0.4}]} if diet else {}),
                **({"linear_intent_ranking": [{"name": linear, "confidence": 0.9},
                                              {"name": diet, "confidence": 0.1}]} if linear else {})}

    timing = {"train_s": 1, "parse_s": [0.01, 0.01]}
    (tmp_path / "results" / "diet__fold1.json").write_text(json.dumps({**timing, "parsed": [
        parsed("登录不上", "system_outage", None), parsed("系统崩了", "system_outage", None)]}))
    (tmp_path / "results" / "lin__fold1.json").write_text(json.dumps({**timing, "parsed": [
        parsed("登录不上", None, "login_failure"), parsed("系统崩了", None, "system_outage")]}))
    rows = model_choice.report(tmp_path, tmp_path / "out")["candidates"]
    assert rows["diet/previous+lin/linear@0.7"]["strict_macro_f1"] > rows["diet"]["strict_macro_f1"]
    assert (tmp_path / "out" / "crossval.md").is_file()
