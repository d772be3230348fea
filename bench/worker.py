"""One training-and-evaluation job in its own process: ``python -m bench.worker ...``.

Trains an NLU model with Rasa's own training function (what ``rasa train nlu`` calls), loads
it, and writes the predictions for the test files as JSON. The cross-validation folds and the
rasa-init baseline run as such jobs, two at a time (bench/pool.py): on two cores two
single-threaded TensorFlow trainings get more done than one that uses both cores.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import List, Optional

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--nlu", required=True, type=Path, help="training data (file or folder)")
    parser.add_argument("--out", required=True, type=Path, help="where the model archive goes")
    parser.add_argument("--name", required=True)
    parser.add_argument("--test", action="append", default=[], metavar="NAME=PATH",
                        help="a labelled YAML file to predict (repeatable)")
    parser.add_argument("--result", required=True, type=Path, help="JSON written at the end")
    args = parser.parse_args(argv)

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.tensorflow.environment import setup_tf_environment

    # What the rasa CLI does before training: its logging, and TF_*_PARALLELISM_THREADS.
    configure_logging_and_warnings(logging.INFO, warn_only_once=True, filter_repeated_logs=True)
    setup_tf_environment()
    from rasa.model_training import train_nlu

    from bench.data import load_examples
    from bench.nlu_quality import predict_many

    started = time.monotonic()
    model = train_nlu(str(args.config), str(args.nlu), str(args.out), fixed_model_name=args.name)
    train_s = time.monotonic() - started
    if not model:
        print("training produced no model", file=sys.stderr)
        return 1
    logging.getLogger().setLevel(logging.WARNING)
    datasets = {}
    for spec in args.test:
        name, _, path = spec.partition("=")
        datasets[name] = load_examples(Path(path))
    predictions, times, load_s = predict_many(Path(model), datasets)
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps({
        "model": str(model),
        "train_s": train_s,
        "load_s": load_s,
        "predictions": {name: [asdict(p) for p in items] for name, items in predictions.items()},
        "parse_s": times,
    }, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
