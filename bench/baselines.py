"""Baselines trained on the same data (data/nlu) as the assistant.

1. **Rasa's default pipeline for a new project.** ``rasa init`` writes a config.yml whose
   pipeline is commented out, so Rasa fills in its default pipeline (WhitespaceTokenizer,
   RegexFeaturizer, LexicalSyntacticFeaturizer, two CountVectorsFeaturizers, DIET 100 epochs,
   EntitySynonymMapper, ResponseSelector, FallbackClassifier 0.3). With ``language: zh`` that
   literal file does not train: WhitespaceTokenizer refuses zh. The bench records that refusal,
   then trains the smallest change a team would make: the same default pipeline with
   ``JiebaTokenizer`` (no user dictionary) in place of ``WhitespaceTokenizer``.
2. **Keyword matcher** (bench/keywords.py): keyword lists learned from data/nlu.
3. **TF-IDF + logistic regression** over jieba tokens (unigrams and bigrams), C chosen by
   5-fold cross-validation on data/nlu only.

Both scikit-learn style baselines use jieba with the project's user dictionary (data/jieba),
which is part of the training data every model here gets.
"""
from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import yaml

from bench import PROJECT_ROOT
from bench.data import Example
from bench.keywords import KeywordMatcher
from bench.metrics import Prediction

JIEBA_DICTIONARY_DIR = PROJECT_ROOT / "data" / "jieba"


def rasa_package_file(*parts: str) -> Path:
    """A file shipped inside the installed rasa package."""
    import rasa

    return Path(rasa.__file__).parent.joinpath(*parts)


def rasa_init_config_text(language: str = "zh") -> str:
    """The config.yml ``rasa init`` writes, literally, with only the language changed."""
    text = rasa_package_file("cli", "initial_project", "config.yml").read_text(encoding="utf-8")
    return text.replace("language: en", f"language: {language}")


def default_pipeline() -> List[Dict[str, Any]]:
    """Rasa's default NLU pipeline (what an empty ``pipeline:`` trains)."""
    path = rasa_package_file("engine", "recipes", "config_files", "default_config.yml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))["pipeline"]


def with_jieba(pipeline: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The pipeline with every WhitespaceTokenizer replaced by a plain JiebaTokenizer."""
    result = []
    for component in copy.deepcopy(pipeline):
        if component.get("name") == "WhitespaceTokenizer":
            component = {"name": "JiebaTokenizer"}
        result.append(component)
    return result


def rasa_init_jieba_config(language: str = "zh") -> Dict[str, Any]:
    """The NLU config of the rasa-init baseline after the minimal change for Chinese."""
    return {
        "recipe": "default.v1",
        "assistant_id": "rasa-init-baseline",
        "language": language,
        "pipeline": with_jieba(default_pipeline()),
        "policies": None,
    }


def override_epochs(config: Dict[str, Any], epochs: int) -> Dict[str, Any]:
    """A copy of a Rasa config with every ``epochs`` setting (and every DIET/TED/ResponseSelector
    default) set to ``epochs`` — for ``--quick`` runs and reduced cross-validation."""
    trained = {"DIETClassifier", "ResponseSelector", "TEDPolicy", "UnexpecTEDIntentPolicy"}
    result = copy.deepcopy(config)
    for section in ("pipeline", "policies"):
        for component in result.get(section) or []:
            if "epochs" in component or component.get("name") in trained:
                component["epochs"] = epochs
    return result


def write_config(path: Path, config: Dict[str, Any]) -> Path:
    """Write a Rasa config dict as YAML."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def jieba_tokenizer(dictionary_dir: Path = JIEBA_DICTIONARY_DIR) -> Callable[[str], List[str]]:
    """A jieba tokenizer of its own (not the global one) with the project's user dictionary."""
    import jieba

    tokenizer = jieba.Tokenizer()
    for path in sorted(Path(dictionary_dir).glob("*")):
        if path.is_file():
            tokenizer.load_userdict(str(path))

    def tokenize(text: str) -> List[str]:
        return [t for t in tokenizer.lcut(text) if t.strip()]

    return tokenize


def predict_keywords(matcher: KeywordMatcher, examples: Sequence[Example]) -> List[Prediction]:
    """Keyword-matcher predictions for labelled examples."""
    predictions = []
    for example in examples:
        intent, confidence = matcher.predict(example.text)
        predictions.append(Prediction(example.text, example.intent, intent, confidence))
    return predictions


class TfidfLogReg:
    """TF-IDF over jieba tokens (1–2 grams) + multinomial logistic regression."""

    C_GRID = (1.0, 10.0, 100.0)

    def __init__(self, tokenize: Callable[[str], List[str]]) -> None:
        self._tokenize = tokenize
        self._cache: Dict[str, List[str]] = {}  # the grid search would re-tokenise every fit
        self.pipeline = None
        self.chosen_c: float = float("nan")
        self.train_s: float = float("nan")

    def _analyzer(self, text: str) -> List[str]:
        from bench.keywords import normalise

        if text not in self._cache:
            tokens = self._tokenize(normalise(text))
            self._cache[text] = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
        return self._cache[text]

    def fit(self, examples: Sequence[Example], seed: int = 42) -> "TfidfLogReg":
        """Fit; C is picked by 5-fold stratified cross-validation on ``examples`` only."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GridSearchCV, StratifiedKFold
        from sklearn.pipeline import Pipeline

        started = time.monotonic()
        pipeline = Pipeline([
            ("tfidf", TfidfVectorizer(analyzer=self._analyzer, sublinear_tf=True)),
            ("logreg", LogisticRegression(max_iter=2000)),
        ])
        search = GridSearchCV(
            pipeline,
            {"logreg__C": list(self.C_GRID)},
            cv=StratifiedKFold(5, shuffle=True, random_state=seed),
            scoring="f1_macro",
        )
        search.fit([e.text for e in examples], [e.intent for e in examples])
        self.pipeline = search.best_estimator_
        self.chosen_c = float(search.best_params_["logreg__C"])
        self.train_s = time.monotonic() - started
        return self

    def predict(self, examples: Sequence[Example]) -> List[Prediction]:
        """Predictions with the probability of the chosen intent as confidence."""
        probabilities = self.pipeline.predict_proba([e.text for e in examples])
        classes = list(self.pipeline.classes_)
        predictions = []
        for example, row in zip(examples, probabilities):
            best = int(row.argmax())
            predictions.append(
                Prediction(example.text, example.intent, classes[best], float(row[best]))
            )
        return predictions


def keyword_matcher(examples: Sequence[Example], tokenize) -> Tuple[KeywordMatcher, float]:
    """Learn the keyword matcher; returns it and the seconds it took."""
    started = time.monotonic()
    matcher = KeywordMatcher.learn(examples, tokenize)
    return matcher, time.monotonic() - started
