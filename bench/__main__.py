"""``python -m bench``: every benchmark in one run, within a global time budget.

Phases run one after another (never two at once: they would slow each other down). A phase
whose estimated cost no longer fits in the budget is skipped, and the report says so; a phase
that fails is recorded with its error and the run goes on. The report is always written.

Options (``python -m bench --help``): ``--quick`` for development (tiny epochs, short loops),
``--model`` to benchmark an existing model instead of training one, ``--only`` / ``--skip``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

# Before anything imports TensorFlow or Rasa.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bench import (  # noqa: E402
    HARD_FILE,
    HELDOUT_FILE,
    PROJECT_ROOT,
    RESULTS_DIR,
    TRAINING_NLU,
    machine,  # noqa: E402
)

PHASES = ("train", "quality", "baselines", "latency", "profile", "rasa_init", "crossval")
# "profile" runs inside "latency" (it needs the running stack); "rasa_init" (the rasa-init
# baseline) and "crossval" are NLU trainings that run together, two at a time, in the
# "trainings" step.
RUNNABLE = ("train", "baselines", "latency", "quality", "trainings")
# Phases of earlier versions, and where they went (``--only``/``--skip`` say so).
RETIRED_PHASES = {
    "whatif": "plain `rasa run` is now measured side by side in the latency phase",
    "tf_threads": "a finished experiment: its results are in docs/benchmarks.md",
}

log = logging.getLogger("bench")


@dataclass
class Options:
    """What this run does and how long its loops may take."""

    quick: bool
    budget_s: float
    model: Optional[Path]
    phases: List[str]
    out: Path
    epochs: Optional[int]  # every training (quick runs); None: each config's own
    cv_folds: int
    cv_epochs: Optional[int]  # DIET epochs of the cross-validation folds; None: config.yml's
    baseline_epochs: Optional[int]  # DIET epochs of the rasa-init baseline; None: Rasa's 100
    slots: int  # NLU trainings at once in the "trainings" step
    parse_requests: int
    parse_seconds: float
    turn_count: int
    turn_seconds: float
    paused_seconds: float  # the 8 conversations that pause between messages (PAUSE_S)
    profile_seconds: int


@dataclass
class Budget:
    """The run's global deadline."""

    total_s: float
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return self.total_s - self.elapsed()


def options_from(argv: Optional[List[str]]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="development run: 2 epochs, 2 CV folds, loops of a few seconds")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help="global time budget (default 15, quick 10)")
    parser.add_argument("--model", type=Path, default=None,
                        help="benchmark this model archive instead of training one (no train timing)")
    parser.add_argument("--only", default="", help=f"comma-separated phases among {','.join(PHASES)}")
    parser.add_argument("--skip", default="", help="comma-separated phases to leave out")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--cv-epochs", type=int, default=DEFAULT_CV_EPOCHS,
                        help=f"DIET epochs in the cross-validation folds (default {DEFAULT_CV_EPOCHS}; "
                             "0: config.yml's own)")
    parser.add_argument("--baseline-epochs", type=int, default=DEFAULT_BASELINE_EPOCHS,
                        help=f"DIET epochs of the rasa-init baseline (default {DEFAULT_BASELINE_EPOCHS}; "
                             "0: Rasa's default 100)")
    parser.add_argument("--slots", type=int, default=2, help="NLU trainings at once (default 2)")
    args = parser.parse_args(argv)
    skip = [p for p in args.skip.split(",") if p]
    phases = [p for p in (args.only.split(",") if args.only else PHASES) if p]
    retired = sorted((set(phases) | set(skip)) & set(RETIRED_PHASES))
    if retired:
        parser.error("; ".join(f"{name}: {RETIRED_PHASES[name]}" for name in retired))
    unknown = (set(phases) | set(skip)) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {sorted(unknown)}")
    phases = [p for p in phases if p not in skip]
    common = dict(model=args.model, phases=phases, out=args.out, slots=max(1, args.slots))
    if args.quick:
        return Options(
            quick=True, budget_s=60 * (args.budget_minutes or 10), epochs=2, cv_folds=2,
            cv_epochs=2, baseline_epochs=2,
            parse_requests=60, parse_seconds=3, turn_count=80, turn_seconds=4, paused_seconds=6,
            profile_seconds=5, **common,
        )
    return Options(
        quick=False, budget_s=60 * (args.budget_minutes or 15), epochs=None, cv_folds=5,
        cv_epochs=args.cv_epochs or None, baseline_epochs=args.baseline_epochs or None,
        parse_requests=1000, parse_seconds=8, turn_count=3000, turn_seconds=12, paused_seconds=30,
        profile_seconds=10, **common,
    )


# The trainings that make `make bench` too long for 20 minutes on 2 cores run with fewer
# DIET epochs by default; the report says so next to their figures.
DEFAULT_CV_EPOCHS = 20  # config.yml: 60
DEFAULT_BASELINE_EPOCHS = 20  # Rasa's default pipeline: 100

# Seconds a user waits before each message in the "paused" 8-conversation run: reading a short
# reply and clicking a button or typing a few characters. Real pauses are longer; shorter ones
# are the stricter test.
PAUSE_S = (1.0, 3.0)

# Estimated seconds per step on 2 cores (used only to skip what no longer fits). "latency"
# includes the plain `rasa run` stack (PLAIN_ESTIMATES: its start, warm-up and loops).
ESTIMATES = {"train": 240, "quality": 60, "baselines": 30, "latency": 230, "trainings": 400}
QUICK_ESTIMATES = {"train": 90, "quality": 40, "baselines": 20, "latency": 120, "trainings": 120}
PLAIN_ESTIMATES = {False: 80, True: 50}  # by quick
REPORT_RESERVE_S = 30


class Run:
    """One benchmark run: the results dict and the phases that fill it."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.budget = Budget(options.budget_s)
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        self.results: Dict[str, Any] = {
            "run": {
                "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "commit": _commit(), "quick": options.quick, "budget_s": options.budget_s,
                "phases": {}, "skipped": [], "notes": [],
            },
        }
        self.model: Optional[Path] = options.model
        self._heldout = self._hard = self._train = None
        self.predictions: Dict[str, Dict[str, list]] = {}  # dataset → model → predictions
        self.interrupted = False

    # ------------------------------------------------------------- plumbing

    def note(self, text: str) -> None:
        log.info("note: %s", text)
        self.results["run"]["notes"].append(text)

    def phase(self, name: str, body: Callable[[], None]) -> None:
        """Run one phase if selected and if it fits in the budget; record time and errors."""
        selected = (any(p in self.options.phases for p in ("rasa_init", "crossval"))
                    if name == "trainings" else name in self.options.phases)
        if not selected:
            return
        estimate = (QUICK_ESTIMATES if self.options.quick else ESTIMATES)[name]
        if self.budget.remaining() - REPORT_RESERVE_S < estimate * 0.5:
            self.results["run"]["skipped"].append(
                f"{name}: {self.budget.remaining():.0f} s left of the budget, ~{estimate} s needed")
            return
        log.info("== %s (%.0f s into the run, %.0f s left)", name, self.budget.elapsed(), self.budget.remaining())
        started = time.monotonic()
        try:
            body()
        except Exception as error:  # noqa: BLE001 - a failed phase must not lose the others
            self.note(f"{name} failed: {type(error).__name__}: {error}")
            log.error("%s", traceback.format_exc())
        self.results["run"]["phases"][name] = time.monotonic() - started

    def data(self):
        from bench.data import load_examples, load_nlu

        if self._heldout is None:
            self._heldout = load_examples(HELDOUT_FILE)
            self._hard = load_examples(HARD_FILE)
            self._train = load_nlu(TRAINING_NLU)
        return self._heldout, self._hard, self._train

    def config(self, source: Path, epochs: Optional[int], name: str) -> Path:
        """``source`` as is, or a copy with its epochs overridden."""
        import yaml

        from bench.baselines import override_epochs, write_config

        if epochs is None:
            return source
        config = override_epochs(yaml.safe_load(source.read_text(encoding="utf-8")), epochs)
        return write_config(self.workdir / f"{name}.yml", config)

    def train(self, name: str, args: List[str], timeout_s: float):
        """``rasa ARGS`` in a child process with a fresh training cache."""
        from bench.procs import child_env, rasa_command, run_measured

        cache = self.workdir / f"cache-{name}"
        result = run_measured(rasa_command(*args), self.options.out / "logs" / f"train-{name}.log",
                              timeout_s, env=child_env({"RASA_CACHE_DIRECTORY": str(cache)}))
        log.info("trained %s: exit %s in %.0f s, peak RSS %.2f GiB", name, result.returncode,
                 result.wall_s, result.peak_rss_bytes / 2**30)
        return result

    # ------------------------------------------------------------- phases

    def phase_train(self) -> None:
        """Time a full ``rasa train`` (as ``make train`` runs it) into a temp dir."""
        out = self.workdir / "models"
        config = self.config(PROJECT_ROOT / "config.yml", self.options.epochs, "project")
        result = self.train("project", [
            "train", "--fixed-model-name", "fapiao", "--out", str(out), "--config", str(config),
            "--domain", "domain.yml", "--data", "data"], timeout_s=min(1200, self.budget.remaining()))
        self.results.setdefault("training", {})["project_full"] = result.as_dict()
        if result.ok and self.model is None:
            self.model = out / "fapiao.tar.gz"
            self.results["run"]["model_source"] = "trained by this run (the timed `rasa train`)"
        elif not result.ok:
            from bench.procs import log_tail

            raise RuntimeError(f"rasa train failed: {log_tail(result.log)}")

    def phase_quality(self) -> None:
        """The assistant's model on both files: through the latency phase's server when that
        ran (see :meth:`_quality_via_server`), in-process otherwise."""
        from bench.nlu_quality import predict_many

        if "project" in (self.results.get("quality") or {}).get("heldout", {}):
            return  # done by phase_latency on its running server
        heldout, hard, _ = self.data()
        predictions, times, load_s = predict_many(self._require_model(), {"heldout": heldout, "hard": hard})
        self._record_quality(predictions, times, "in-process Agent.parse_message")

    def _quality_via_server(self, rasa_url: str, token: str) -> None:
        from bench.nlu_quality import predict_http

        heldout, hard, _ = self.data()
        predictions, times = {}, {}
        for dataset, examples in (("heldout", heldout), ("hard", hard)):
            predictions[dataset], times[dataset] = predict_http(rasa_url, examples, token)
        self._record_quality(predictions, times, "POST /model/parse on the benchmark server, one at a time")

    def _record_quality(self, predictions, times, how: str) -> None:
        from bench.stats import summarize

        for dataset, items in predictions.items():
            self._score(dataset, "project", items)
        self.results["project_parse"] = {
            "how": how, **{d: summarize(t, sum(t)).as_dict() for d, t in times.items() if t}}
        self._write_predictions("project", predictions)

    def phase_baselines(self) -> None:
        from bench import baselines

        heldout, hard, (train_examples, _) = self.data()
        datasets = {"heldout": heldout, "hard": hard}
        training = self.results.setdefault("training", {})

        tokenize = baselines.jieba_tokenizer()
        matcher, seconds = baselines.keyword_matcher(train_examples, tokenize)
        training["keywords"] = {"train_s": seconds, "sample": {
            intent: list(words)[:8] for intent, words in matcher.keywords.items()}}
        for dataset, examples in datasets.items():
            self._score(dataset, "keywords", baselines.predict_keywords(matcher, examples))
        (self.options.out / "keywords.json").write_text(
            json.dumps(matcher.keywords, ensure_ascii=False, indent=1), encoding="utf-8")

        model = baselines.TfidfLogReg(tokenize).fit(train_examples)
        training["tfidf_logreg"] = {"train_s": model.train_s, "C": model.chosen_c,
                                    "C_grid": list(model.C_GRID)}
        for dataset, examples in datasets.items():
            self._score(dataset, "tfidf_logreg", model.predict(examples))

    def phase_latency(self) -> None:
        """Our servers as ``make run`` starts them, and plain ``python -m rasa run`` with the same
        model next to them (``_start_plain``). Both stay up; each turn loop runs in halves in the
        order ours, plain, plain, ours (``latency.ABBA``), so a change in the machine's load
        during the phase hits both alike. Parse loops, paused users, the profile and the
        quality predictions run on ours only (``/model/parse`` runs the same code in both)."""
        from contextlib import ExitStack

        from bench import latency, memory, profiling
        from bench.procs import cpu_seconds
        from bench.stats import side_by_side

        heldout, _, _ = self.data()
        texts = [e.text for e in heldout]
        o = self.options
        with ExitStack() as running:
            stack = running.enter_context(latency.warmed_stack(
                self.workdir / "var-latency", self._require_model(), "bench", texts))
            self.results["startup"] = dict(stack.startup_s)
            if "quality" in o.phases:
                started = time.monotonic()
                self._quality_via_server(stack.rasa_url, stack.api_token)
                self.results["run"]["phases"]["quality (inside latency)"] = time.monotonic() - started
            plain, plain_results = self._start_plain(running, texts)

            results: Dict[str, Any] = {"settings": (
                f"/model/parse up to {o.parse_requests} requests or {o.parse_seconds:.0f} s; turns up to "
                f"{o.turn_count} or {o.turn_seconds:.0f} s per concurrency level"), "turns": {}}
            errors: List[str] = []
            for key, concurrency in (("parse_1", 1), ("parse_8", 8)):
                load = latency.run(latency.parse_load(stack.rasa_url, texts, concurrency,
                                                      o.parse_requests * concurrency, o.parse_seconds,
                                                      stack.api_token))
                results[key] = _summary(load)
                errors += load.error_samples
            plain_errors: List[str] = []
            servers = {"ours": stack, "plain": plain}
            for concurrency in (1, 8, 32):
                halves: Dict[str, list] = {"ours": [], "plain": []}
                # The Rasa server's CPU seconds during its halves: CPU per turn does not depend on
                # what else runs on the machine, as turns/s does.
                rasa_cpu = {"ours": 0.0, "plain": 0.0}
                for who in latency.ABBA:  # ours, plain, plain, ours: the same loop in halves
                    if servers[who] is not None:
                        rasa_pid = servers[who].pids()["rasa"]
                        before = cpu_seconds(rasa_pid)
                        halves[who].append(latency.run(latency.conversation_load(
                            servers[who].rasa_url, concurrency, max(1, o.turn_count // 2), o.turn_seconds / 2)))
                        rasa_cpu[who] += cpu_seconds(rasa_pid) - before
                for who, turns, samples in (("ours", results["turns"], errors),
                                            ("plain", plain_results.get("turns"), plain_errors)):
                    if halves[who]:
                        load = latency.LoadResult.combined(halves[who])
                        summary = _summary(load)
                        if summary is not None and load.latencies:
                            summary["rasa_cpu_ms_per_turn"] = 1000 * rasa_cpu[who] / len(load.latencies)
                        turns[str(concurrency)] = summary
                        samples += load.error_samples
            # People read a reply and then click or type: the same 8 conversations with a pause.
            load = latency.run(latency.conversation_load(stack.rasa_url, 8, o.turn_count, o.paused_seconds,
                                                         pause_s=PAUSE_S))
            results["turns_paused"] = {"8": _summary(load), "pause_s": list(PAUSE_S)}
            errors += load.error_samples
            results["error_samples"] = errors[:10]
            if plain is not None:
                plain_results["error_samples"] = plain_errors[:10]
                results["vs_plain"] = side_by_side(results["turns"], plain_results["turns"])
            results["plain_rasa"] = plain_results
            self.results["latency"] = results

            if "profile" in o.phases and profiling.py_spy():
                self._profile(stack)
            elif "profile" in o.phases:
                self.results["run"]["skipped"].append("profile: py-spy is not installed (pip install py-spy)")

            # VmHWM: each process's peak over every load run above.
            self.results["memory"] = {name: (memory.memory_of(pid).as_dict() if memory.memory_of(pid) else None)
                                      for name, pid in stack.pids().items()}
            if plain is not None:
                rasa = memory.memory_of(plain.pids()["rasa"])
                plain_results["memory"] = {"rasa": rasa.as_dict() if rasa else None}
            self.results["whatif"] = [latency.whatif_entry(plain_results)]

    def _start_plain(self, running, texts: List[str]):
        """Plain ``python -m rasa run`` with the same model (and its own action server), started
        and warmed inside ``running``; (stack, results) — the stack is None when it did not fit
        in the budget or failed to start, and the results say why."""
        from bench import latency

        results: Dict[str, Any] = {"name": latency.PLAIN_RASA, "change": latency.PLAIN_RASA_CHANGE}
        needed = PLAIN_ESTIMATES[self.options.quick]
        if self.budget.remaining() - REPORT_RESERVE_S < needed:
            reason = f"{self.budget.remaining():.0f} s left of the budget, ~{needed} s needed"
            self.results["run"]["skipped"].append(f"latency, plain `rasa run` side by side: {reason}")
            return None, {**results, "error": f"not run: {reason}"}
        try:
            plain = running.enter_context(latency.warmed_stack(
                self.workdir / "var-plain", self._require_model(), "bench-plain", texts, plain_rasa=True))
        except Exception as error:  # noqa: BLE001 - our own figures still count
            self.note(f"plain `rasa run` did not start: {type(error).__name__}: {error}")
            return None, {**results, "error": f"{type(error).__name__}: {error}"}
        return plain, {**results, "startup_s": dict(plain.startup_s), "turns": {}}

    def _profile(self, stack) -> None:
        """py-spy on the Rasa server and the action server during an extra (unmeasured)
        8-concurrent run: sampling slows the processes down a little, so no latency figure
        comes from this run."""
        from bench import latency, profiling

        seconds = self.options.profile_seconds
        recorders = {}
        for name, pid in stack.pids().items():
            output = self.options.out / f"profile-{name}.txt"
            recorders[name] = (profiling.start_recording(pid, seconds, output), output)
        latency.run(latency.conversation_load(stack.rasa_url, 8, 100_000, seconds))
        profile: Dict[str, Any] = {"seconds": seconds}
        for name, (recorder, output) in recorders.items():
            try:
                _, stderr = recorder.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
                recorder.wait()
                self.note(f"py-spy on {name} did not finish")
                continue
            if recorder.returncode != 0 or not output.exists():
                self.note(f"py-spy on {name} failed: {stderr.decode(errors='replace')[-300:]}")
                continue
            profile[name] = {**profiling.summarise(profiling.parse_collapsed(output.read_text(encoding="utf-8"))),
                             "raw": output.name}
        self.results["profile"] = profile

    def phase_trainings(self) -> None:
        """The rasa-init baselines and the cross-validation folds: NLU trainings, ``slots`` at a
        time, each in its own process (bench/worker.py), single-threaded TensorFlow when two run."""
        import yaml

        from bench import baselines
        from bench.crossval import aggregate, write_folds
        from bench.metrics import Prediction
        from bench.pool import Job, not_started, run_jobs
        from bench.procs import child_env, rasa_command

        o = self.options
        _, _, (examples, others) = self.data()
        threads = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"} \
            if o.slots > 1 else {}
        logs = o.out / "logs"

        def env(name: str) -> Dict[str, str]:
            return child_env({"RASA_CACHE_DIRECTORY": str(self.workdir / f"cache-{name}"), **threads})

        def worker(name: str, config: Path, nlu: Path, tests: Dict[str, Path], estimate: float) -> Job:
            command = [sys.executable, "-m", "bench.worker", "--config", str(config), "--nlu", str(nlu),
                       "--out", str(self.workdir / "models"), "--name", name,
                       "--result", str(self.workdir / "results" / f"{name}.json")]
            for test_name, path in tests.items():
                command += ["--test", f"{test_name}={path}"]
            return Job(name, command, logs / f"{name}.log", env(name), estimate)

        jobs: List[Job] = []
        training = self.results.setdefault("training", {})
        if "rasa_init" in o.phases:
            literal = self.workdir / "rasa_init_literal.yml"
            literal.write_text(baselines.rasa_init_config_text("zh"), encoding="utf-8")
            jobs.append(Job("rasa_init_literal", rasa_command(
                "train", "nlu", "--config", str(literal), "--nlu", str(TRAINING_NLU),
                "--out", str(self.workdir / "models")), logs / "rasa_init_literal.log",
                env("rasa_init_literal"), 10_000))  # short (it fails at validation): start it first
            config = baselines.rasa_init_jieba_config("zh")
            epochs = o.epochs or o.baseline_epochs
            if epochs:
                config = baselines.override_epochs(config, epochs)
            training["rasa_init_jieba_epochs"] = epochs or 100
            jobs.append(worker("rasa_init_jieba",
                               baselines.write_config(self.workdir / "rasa_init_jieba.yml", config),
                               TRAINING_NLU, {"heldout": HELDOUT_FILE, "hard": HARD_FILE},
                               300 if not o.quick else 100))
        folds = []
        if "crossval" in o.phases:
            folds = write_folds(examples, others, o.cv_folds, self.workdir / "cv")
            config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
            epochs = o.epochs or o.cv_epochs
            if epochs:
                config = baselines.override_epochs(config, epochs)
            config_path = baselines.write_config(self.workdir / "crossval.yml", config)
            jobs += [worker(f.name, config_path, f.train, {"fold": f.test}, 150 if not o.quick else 60)
                     for f in folds]

        deadline = time.monotonic() + self.budget.remaining() - REPORT_RESERVE_S
        runs = run_jobs(jobs, o.slots, deadline)
        missing = not_started(runs, jobs)
        if missing:
            self.results["run"]["skipped"].append(f"trainings not started (time budget): {', '.join(missing)}")

        def predictions_of(name: str) -> Optional[Dict[str, List[Prediction]]]:
            path = self.workdir / "results" / f"{name}.json"
            if name not in runs or not runs[name].ok or not path.exists():
                if name in runs:
                    self.note(f"{name} failed (exit {runs[name].returncode}"
                              f"{', timed out' if runs[name].timed_out else ''}); log: {runs[name].log}")
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
            training.setdefault("worker_s", {})[name] = {"train_s": data["train_s"], "load_s": data["load_s"]}
            return {d: [Prediction(**p) for p in items] for d, items in data["predictions"].items()}

        if "rasa_init_literal" in runs:
            run = runs["rasa_init_literal"]
            training["rasa_init_literal"] = {**run.as_dict(), "error": _error_line(run.log)}
        if "rasa_init_jieba" in runs:
            training["rasa_init_jieba"] = runs["rasa_init_jieba"].as_dict()
            predicted = predictions_of("rasa_init_jieba")
            for dataset, items in (predicted or {}).items():
                self._score(dataset, "rasa_init_jieba", items)
        if folds:
            fold_predictions = {}
            for fold in folds:
                predicted = predictions_of(fold.name)
                if predicted:
                    fold_predictions[fold.name] = predicted["fold"]
            result = aggregate(fold_predictions, o.cv_folds)
            result["train_s"] = [(training.get("worker_s") or {}).get(f.name, {}).get("train_s") for f in folds]
            result["epochs"] = o.epochs or o.cv_epochs or "config.yml's own"
            self.results["crossval"] = result
        training["parallel_slots"] = o.slots

    # ------------------------------------------------------------- helpers

    def _score(self, dataset: str, model: str, predictions: list) -> None:
        """Evaluate and keep the predictions (for the paired comparison at the end)."""
        from bench.metrics import evaluate

        self.predictions.setdefault(dataset, {})[model] = predictions
        self.results.setdefault("quality", {}).setdefault(dataset, {})[model] = \
            evaluate(predictions, model, dataset).as_dict()

    def compare(self) -> None:
        """Assistant vs the best baseline per file: macro-F1 difference with a bootstrap interval."""
        from bench.metrics import paired_bootstrap

        for dataset, models in self.predictions.items():
            quality = self.results["quality"][dataset]
            baselines = [m for m in models if m != "project"]
            if "project" not in models or not baselines:
                continue
            best = max(baselines, key=lambda m: quality[m]["macro_f1"])
            self.results.setdefault("comparison", {})[dataset] = {
                "baseline": best, **paired_bootstrap(models["project"], models[best])}

    def _require_model(self) -> Path:
        if self.model is None:
            default = PROJECT_ROOT / "models" / "fapiao.tar.gz"
            if not default.exists():
                raise RuntimeError("no model: the train phase did not run or failed, and "
                                   "models/fapiao.tar.gz does not exist (use --model)")
            self.model = default
            self.results["run"]["model_source"] = "models/fapiao.tar.gz (make train)"
        self.results["run"]["model"] = str(self.model)
        return self.model

    def _write_predictions(self, name: str, predictions: Dict[str, list]) -> None:
        from dataclasses import asdict

        path = self.options.out / f"predictions-{name}.json"
        path.write_text(json.dumps({d: [asdict(p) for p in items] for d, items in predictions.items()},
                                   ensure_ascii=False, indent=1), encoding="utf-8")

    def execute(self) -> Path:
        """Every selected phase, then the report."""
        from bench import report

        self.options.out.mkdir(parents=True, exist_ok=True)
        _clear_outputs(self.options.out)
        for variable in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"):
            if os.environ.pop(variable, None) is not None:
                self.note(f"{variable} was set in the environment and removed (the servers run with "
                          "TensorFlow's default threads; the trainings set it per job)")
        if self.options.model is not None:
            self.results["run"]["model_source"] = "given with --model"
        self.results["machine"] = machine.describe()
        if self.options.model is not None and "train" in self.options.phases:
            self.options.phases.remove("train")
            self.results["run"]["skipped"].append("train: --model given, `rasa train` not timed")
        try:
            for name in RUNNABLE:
                self.phase(name, getattr(self, f"phase_{name}"))
        except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: report what was measured
            self.interrupted = True
            self.note(f"interrupted ({interrupt or 'Ctrl-C'}): the phases after this point did not run")
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)  # models, caches, var dirs: GBs
        self.compare()
        self.results["machine"]["load_average_at_end"] = machine.load_average()
        self.results["run"]["wall_s"] = self.budget.elapsed()
        images = report.make_plots(self.results, self.options.out)
        (self.options.out / "results.json").write_text(
            json.dumps(self.results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        path = self.options.out / "report.md"
        path.write_text(report.render_markdown(self.results, images), encoding="utf-8")
        return path


def _clear_outputs(out: Path) -> None:
    """Remove what an earlier run wrote to ``out`` (only the bench's own file kinds)."""
    for pattern in ("report.md", "results.json", "*.png", "predictions-*.json", "keywords.json",
                    "profile-*.txt"):
        for path in out.glob(pattern):
            path.unlink()
    shutil.rmtree(out / "logs", ignore_errors=True)


def _summary(load) -> Optional[Dict[str, Any]]:
    summary = load.summary()
    return summary.as_dict() if summary else None


def _error_line(log_path: str) -> str:
    """The most telling line of a failed Rasa run's log."""
    text = Path(log_path).read_text(encoding="utf-8", errors="replace") if Path(log_path).exists() else ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for pattern in (r"^[\w.]+(Error|Exception)\b", r"(?i)error"):
        for line in reversed(lines):
            if re.search(pattern, line):
                return line[:400]
    return lines[-1][:400] if lines else ""


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip() or "–"
    except (OSError, subprocess.SubprocessError):
        return "–"


def _interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    # SIGTERM behaves like Ctrl-C: the stacks and training jobs are stopped on the way out.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Optional[List[str]] = None) -> int:
    import signal

    signal.signal(signal.SIGTERM, _interrupt)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench %(message)s", datefmt="%H:%M:%S")
    options = options_from(argv)
    run = Run(options)
    path = run.execute()
    print(f"report: {path}")
    print(path.read_text(encoding="utf-8").split("## Missed targets")[0].split("## Run and machine")[0])
    return 130 if run.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
