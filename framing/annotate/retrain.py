"""``framing train --continue MODEL_DIR``: fine-tune an existing frame model on new labels.

The new run starts from the model's network, encoder *and* classification head, instead of a
fresh head on the bare encoder, so a second annotation round moves the model rather than
rebuilding it. The head is reused row for row, so the run must learn the same frames in the
same order: the training rows must use every frame of the model and no other (mix the earlier
rows in: ``cat rows1.jsonl rows2.jsonl``; fine-tuning on a few frames alone would also make the
model forget the others). Anything else is ``[E870]``, with what to do.

The model's window settings (``level``, ``max_length``, ``stride``, ``pooling``) are kept, and
its ``codebook.json`` when no codebook is given and the frames' order needs it; the optimiser
settings are the task's defaults unless given. The new model records what it continued from
(``continued_from`` in ``framing_model.json``: path, name, creation time and training-data
fingerprint of the earlier model).

Example:
    >>> from framing.annotate.retrain import continue_training
    >>> continue_training("models/states1", "rows.jsonl", "models/states2")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError

#: the settings an existing model fixes (its network was trained on these windows)
KEPT = ("level", "max_length", "stride", "pooling")


def continue_settings(model_dir: str | Path, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The :class:`~framing.models.frames.FrameSettings` of a run continuing ``model_dir``
    (``options``: the CLI's setting options, None where not given) and the ``extra_meta`` it
    records; ``[E870]`` when the model cannot be continued or an option contradicts it."""
    from framing.models.directory import read_meta, task_of
    from framing.models.frames import FrameSettings

    root, meta = read_meta(model_dir)
    if task_of(meta) != "frames":
        raise FramingError(Errors.E870.format(
            path=root, detail=f"it is a {task_of(meta)} model; --continue fine-tunes frame "
                              "models"))
    if meta.get("method") != "transformer":
        raise FramingError(Errors.E870.format(
            path=root, detail=f"it is a {meta.get('method')} model, which has no network to "
                              "fine-tune; train a new one on all the labels (TF-IDF trains in "
                              "seconds)"))
    if options.get("method") not in (None, "transformer"):
        raise FramingError(Errors.E870.format(
            path=root, detail="--method tfidf cannot continue a transformer model"))
    if options.get("base_model") is not None:
        raise FramingError(Errors.E870.format(
            path=root, detail="--base-model and --continue both name the network to start "
                              "from; give one"))
    training = meta.get("training") or {}
    kept = {k: meta.get(k, training.get(k)) for k in KEPT}
    for k in KEPT:
        given = options.get(k)
        if given is not None and given != kept[k]:
            raise FramingError(Errors.E870.format(
                path=root, detail=f"--{k.replace('_', '-')} {given} differs from the model's "
                                  f"{kept[k]} (its network was trained on those windows)"))
    merged = {k: v for k, v in options.items() if v is not None}
    merged.update({k: v for k, v in kept.items() if v is not None})
    merged["base_model"] = str(root.resolve())
    settings = FrameSettings.from_options(merged, "frames")
    extra = {"continued_from": {"path": str(root.resolve()), "name": meta.get("name"),
                                "created": meta.get("created"),
                                "data": (meta.get("data") or {}).get("fingerprint")
                                if isinstance(meta.get("data"), dict) else None}}
    return settings, extra


def model_codebook(model_dir: str | Path) -> Path | None:
    """The codebook stored in a model directory, if any."""
    p = Path(model_dir) / "codebook.json"
    return p if p.is_file() else None


def check_labels_match(model_dir: str | Path, data: Any, codebook: Any,
                       text_field: str | None = None, labels_field: str | None = None) -> None:
    """``[E870]`` unless ``data`` (a path, LabelledData or row dicts) learns exactly the model's
    frames in the model's order (see the module docstring)."""
    from framing.codebook import Codebook
    from framing.models.directory import read_meta
    from framing.models.frames.data import (
        LabelledData,
        close_labels,
        read_labelled,
        resolve_label_set,
    )

    root, meta = read_meta(model_dir)
    if isinstance(data, LabelledData):
        d = data
    elif isinstance(data, str | Path):
        d = read_labelled(data, text_field or "text", labels_field or "labels")
    else:
        d = LabelledData.from_rows(list(data))
    cb = codebook if isinstance(codebook, Codebook) or codebook is None else \
        Codebook.load(codebook)
    if cb is not None and any(f.parent for f in cb.frames):
        d = close_labels(d, cb)[0]
    got = resolve_label_set(d, cb)
    want = list(meta["labels"])
    if got == want:
        return
    missing = [lab for lab in want if lab not in got]
    extra = [lab for lab in got if lab not in want]
    if missing or extra:
        detail = []
        if missing:
            detail.append(f"the rows have no example of {', '.join(missing)} (mix in the "
                          "earlier training rows, or train a new model)")
        if extra:
            detail.append(f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not a "
                          "frame of the model (a new frame needs a new head: train a new "
                          "model on all the rows)")
        raise FramingError(Errors.E870.format(path=root, detail="; ".join(detail)))
    raise FramingError(Errors.E870.format(
        path=root, detail=f"the frames come in another order ({got} against the model's "
                          f"{want}); pass the model's codebook"))


def continue_training(model_dir: str | Path, data: Any, out: str | Path,
                      settings_options: dict[str, Any] | None = None, *,
                      codebook: Any = None, **kwargs: Any) -> Any:
    """Fine-tune the frame model ``model_dir`` on ``data`` into ``out`` (see the module
    docstring); other keyword arguments go to :func:`framing.models.train`."""
    from framing.models import train

    settings, extra = continue_settings(model_dir, dict(settings_options or {}))
    fields = (kwargs.get("text_field"), kwargs.get("labels_field"))
    cb = codebook
    if cb is None:
        # without a codebook the frames are learned in sorted order, with one in the
        # codebook's: the model's own codebook.json when that is how it was trained
        own = model_codebook(model_dir)
        try:
            check_labels_match(model_dir, data, None, *fields)
        except FramingError:
            if own is None:
                raise
            cb = own
    check_labels_match(model_dir, data, cb, *fields)
    extra_meta = {**extra, **(kwargs.pop("extra_meta", None) or {})}
    return train("frames", data, out, settings, codebook=cb, extra_meta=extra_meta, **kwargs)
