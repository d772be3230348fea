#!/usr/bin/env bash
# The final table of the model choice (docs/understanding.md, "Model choice"): each candidate
# config is trained once on the whole training data (data/), timed, and scored ONCE on
# tests/nlu/real.yml and tests/nlu/heldout.yml with tests/nlu/real_gate.py. Candidates and their
# settings were chosen before, by cross-validation on the training corpus (bench/model_choice.py).
#
# Usage: bash bench/model_choice_final.sh OUTDIR NAME=CONFIG [NAME=CONFIG ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
out=$1; shift
mkdir -p "$out"
for spec in "$@"; do
  name=${spec%%=*}; config=${spec#*=}
  started=$(date +%s.%N)
  # A fresh training cache: a warm one would reuse components another candidate trained.
  RASA_CACHE_DIRECTORY=$(mktemp -d) nice -n 5 .venv/bin/rasa train nlu --config "$config" --nlu data/nlu --out "$out/$name" \
    --fixed-model-name "$name" > "$out/$name.train.log" 2>&1
  echo "{\"train_s\": $(echo "$(date +%s.%N) - $started" | bc)}" > "$out/$name.train.json"
  for data in real heldout; do
    .venv/bin/python -m tests.nlu.real_gate --model "$out/$name/$name.tar.gz" --data "tests/nlu/$data.yml" \
      --out "$out/$name.$data" --min-macro-f1 0 > "$out/$name.$data.log" 2>&1 || true
  done
  du -b "$out/$name/$name.tar.gz" | cut -f1 > "$out/$name.size"
done
