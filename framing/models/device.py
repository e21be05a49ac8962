"""Where networks run: ``auto``, ``cpu``, ``cuda`` (or ``cuda:N``) or ``mps``.

The device is chosen once per process: :func:`set_device` (the commands' ``--device``), else
``$FRAMING_DEVICE``, else ``auto``: a CUDA GPU when one is present, else Apple's MPS, else the
CPU. :func:`set_device` also exports ``$FRAMING_DEVICE`` so that worker processes (``framing
label --workers``) use the same device. Asking for a device that is not there is ``[E869]``, not
a silent fall-back to the CPU.

Training and inference move a batch's tensors and the network to the device
(:func:`framing.models.inference.window_batch`, :func:`~framing.models.inference.score_windows`,
:func:`framing.models.loop.fit`); on a GPU the forward pass runs under bf16 autocast where the
GPU supports it (mixed precision; ``$FRAMING_PRECISION=fp32`` turns it off).

Example:
    >>> from framing.models.device import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in ("cpu", "cuda", "mps")
    True
    >>> resolve_device("tpu")                                       # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    framing.errors.FramingError: [E869] Cannot run on device 'tpu': choose auto, cpu, cuda, ...
"""

from __future__ import annotations

import os
import re
from typing import Any

from framing.errors import Errors, FramingError

DEVICE_ENV = "FRAMING_DEVICE"
DEVICES = ("auto", "cpu", "cuda", "mps")
_CUDA_N = re.compile(r"^cuda:(\d+)$")
_chosen: str | None = None


def resolve_device(name: str | None = None) -> str:
    """The device ``name`` means on this machine (``auto`` resolved); ``[E869]`` when it is
    unknown or absent."""
    want = (name or "auto").strip().lower()
    m = _CUDA_N.match(want)
    if want not in DEVICES and m is None:
        raise FramingError(Errors.E869.format(
            device=name, detail="choose auto, cpu, cuda, cuda:N or mps"))
    if want == "cpu":
        return "cpu"
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if want == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if want.startswith("cuda"):
        if not cuda:
            raise FramingError(Errors.E869.format(
                device=name, detail="no CUDA GPU is visible to this torch "
                                    f"{torch.__version__} (a CPU-only build, no driver, or "
                                    "CUDA_VISIBLE_DEVICES empty); use --device cpu or auto"))
        if m is not None and int(m.group(1)) >= torch.cuda.device_count():
            raise FramingError(Errors.E869.format(
                device=name, detail=f"this machine has {torch.cuda.device_count()} CUDA "
                                    "device(s), numbered from 0"))
        return want
    if not mps:
        raise FramingError(Errors.E869.format(
            device=name, detail="Apple's MPS backend is not available here; use --device cpu "
                                "or auto"))
    return "mps"


def set_device(name: str | None) -> str:
    """Choose the device for this process (and its workers). ``auto`` is resolved when a network
    first runs (rules-only commands never import torch); a named device is checked now.
    Returns the device, or ``auto``."""
    global _chosen
    want = (name or "auto").strip().lower()
    if want == "auto":
        _chosen = None
    else:
        _chosen = resolve_device(want)
        want = _chosen
    os.environ[DEVICE_ENV] = want
    return want


def current_device() -> str:
    """The chosen device (see the module docstring), resolved once."""
    global _chosen
    if _chosen is None:
        _chosen = resolve_device(os.environ.get(DEVICE_ENV))
    return _chosen


def device_type(device: str | None = None) -> str:
    """``cpu``, ``cuda`` or ``mps``: the kind of ``device`` (default: the current one), as
    ``torch.autocast`` wants it."""
    return (device or current_device()).split(":", 1)[0]


def gpu_bf16(device: str | None = None) -> bool:
    """Whether ``device`` is a CUDA GPU with bfloat16 support (mixed precision there)."""
    if device_type(device) != "cuda":
        return False
    import torch

    return bool(torch.cuda.is_bf16_supported())


def to_device(tensors: tuple[Any, ...], device: str | None = None) -> tuple[Any, ...]:
    """``tensors`` (``None`` kept) on ``device`` (default: the current one); a no-op on the
    CPU."""
    dev = device or current_device()
    if dev == "cpu":
        return tensors
    return tuple(t.to(dev, non_blocking=True) if t is not None else None for t in tensors)


def place(model: Any, device: str | None = None) -> Any:
    """``model`` moved to ``device`` (default: the current one) when its parameters are
    elsewhere."""
    dev = device or current_device()
    p = next(iter(model.parameters()), None)
    if p is not None and str(p.device) != dev and not (dev == "cuda" and p.device.type ==
                                                       "cuda"):
        model.to(dev)
    return model
