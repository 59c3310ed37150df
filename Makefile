# digital-china-kg: named targets for set-up, build, test and benchmark.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: build test lint format bench bench-scale bench-corpus eval eval-wrapped clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install: `kg` and the tests run the working tree, not a copy of it.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

build: install ## Build the knowledge graph of the bundled plan into build/
	$(BIN)/kg build --strict --out build

test: install ## Run the linters and the test suite (one pytest worker per core)
	$(BIN)/ruff check kg tests bench
	$(BIN)/ruff format --check kg tests bench
	$(BIN)/python -m pytest -n auto

lint: install
	$(BIN)/ruff check kg tests bench

format: install
	$(BIN)/ruff format kg tests bench

bench: install ## CPU of `kg build` and `kg query` against `python -c "import rdflib"`; `kg serve` against Oxigraph
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_serve.py
	$(BIN)/python bench/bench_gates.py
	$(BIN)/python bench/bench_query.py
	$(BIN)/python bench/bench_viz.py

bench-scale: install ## Build time and peak memory for the bundled plan repeated 1×, 10×, 100×, 158× (4 MB)
	$(BIN)/python bench/bench_scale.py

bench-corpus: install ## Build, rebuild, query, serve and view 1,000 reports generated from ../shared/corpus-dev
	$(BIN)/python bench/bench_corpus.py

eval: install ## Build every report of ../shared/corpus-dev and compare with its expect.json
	$(BIN)/python bench/eval_corpus.py

eval-wrapped: install ## The same, each report hard-wrapped as text copied out of a PDF (facts only)
	$(BIN)/python bench/eval_corpus.py --wrapped --no-build

clean:
	rm -rf $(VENV) build/*.ttl build/*.nt build/*.trig build/*.nq build/*.jsonld build/*.rdf build/*.json
