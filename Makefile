# One-command entry points (see README). Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run model test lint typecheck unit corpora clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# the CPU wheel of torch first, so nothing pulls a multi-GB CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# The default frame model, built from its recipe when missing (weights are git-ignored).
DEFAULT_MODEL := models/frames-default
$(DEFAULT_MODEL)/framing_model.json: $(DEFAULT_MODEL)/recipe.json | $(STAMP)
	$(BIN)/python scripts/build_default_model.py --force --quiet

STANCE_MODEL := models/stance-default
$(STANCE_MODEL)/framing_model.json: $(STANCE_MODEL)/recipe.json | $(STAMP)
	$(BIN)/python scripts/build_default_stance_model.py --quiet

model: $(DEFAULT_MODEL)/framing_model.json $(STANCE_MODEL)/framing_model.json

# The main job on shipped defaults: batch-label the multi-outlet collection (both replicates),
# aggregate it by outlet, issue and year, say which planted shifts it found, score one op-ed.
run: setup model
	mkdir -p out
	$(BIN)/framing label corpora/collection/collection.jsonl corpora/collection/collection-b.jsonl \
	    --out out/collection.parquet
	$(BIN)/framing aggregate out/collection.parquet --by outlet --by issue --freq year \
	    --out out/aggregate
	$(BIN)/python scripts/eval_collection_shifts.py out/collection.parquet
	$(BIN)/framing score tests/data/oped_states_drugs.txt

lint: setup
	$(BIN)/ruff check framing framing_corpora tests scripts corpora

typecheck: setup
	$(BIN)/mypy

corpora: setup
	$(BIN)/python scripts/validate_corpora.py

unit: setup
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q --doctest-modules framing framing_corpora

test: lint typecheck unit

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
