"""Numbered, actionable error messages.

Every message says what was expected, what was found and how to fix it. The catalogue follows
spaCy's ``errors.py``: reading an attribute of :class:`Errors` returns the message with its code,
so ``Errors.E001.format(path="x")`` gives ``"[E001] Codebook file 'x' not found..."``.

Example:
    >>> from framing.errors import Errors, FramingError
    >>> str(FramingError(Errors.E001.format(path="cb.json")))[:6]
    '[E001]'
"""

from __future__ import annotations

from typing import Any


class _ErrorsWithCodes(type):
    def __getattribute__(cls, code: str) -> Any:
        msg = super().__getattribute__(code)
        if code.startswith("__") or not isinstance(msg, str):
            return msg
        return f"[{code}] {msg}"


class Errors(metaclass=_ErrorsWithCodes):
    """The catalogue. Codes are stable: never reuse a retired number."""

    # E0xx: codebook
    E001 = "Codebook file '{path}' not found. Pass an existing .json/.yaml file, or omit it to use the default codebook."
    E002 = "Codebook '{path}' could not be parsed: {detail}."
    E003 = "Codebook '{source}' is invalid ({n} problem(s)):\n{problems}"
    E004 = "Unknown frame '{frame}'{where}; known frames: {known}."
    E005 = "Pattern file '{path}' referenced by frame '{frame}' not found (paths are relative to the codebook file)."

    # E1xx: ingest (also used as reasons in the rejects file)
    E101 = "invalid JSON: {detail}"
    E102 = "record is not a JSON object (found {kind})"
    E103 = "missing text field '{field}'"
    E104 = "empty text in field '{field}'"
    E105 = "undecodable bytes (not valid {encoding}): {detail}"
    E106 = "unparseable date '{value}' in field '{field}'"
    E107 = "text field '{field}' is not a string (found {kind})"
    E108 = "no main text could be extracted from the HTML"
    E109 = "text is longer than the limit of {limit} characters ({n}); split the document or raise --max-chars"
    E110 = "unreadable file: {detail}"
    E111 = "row could not be parsed: {detail}"

    # E2xx: inputs and command-line usage
    E201 = "Input '{path}' does not exist."
    E202 = "Cannot tell the format of '{path}'. Use --input-format with one of: {formats}."
    E203 = "Unknown input format '{fmt}'; choose one of: {formats}."
    E204 = "Output '{path}' must end in .jsonl or .parquet."
    E205 = "Nothing to score: give a PATH, '-' for standard input, or --text."
    E206 = "Parquet file '{path}' has no column '{field}'; columns are: {columns}."
    E207 = "Output file '{path}' already exists; pass --overwrite to replace it."

    # E3xx: pipeline and models
    E301 = "Model directory '{path}' is not usable: {detail}"
    E302 = "spaCy pipeline '{name}' could not be loaded: {detail}. Install it or use the default blank English pipeline."
    E303 = "The '{component}' component needs a codebook; none was given and the default could not be loaded."
    E304 = "Text must be a string, found {kind}."


class FramingError(Exception):
    """An error a user can act on; the CLI prints it without a traceback and exits with 2."""


class RecordError(FramingError):
    """A problem with one input record; it becomes a line in the rejects file, the run continues."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or (message[1:5] if message.startswith("[E") else "E000")
        self.reason = message
