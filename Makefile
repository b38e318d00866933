# Two entry points: `make demo` runs the whole pipeline on the seed articles,
# `make test` runs the test suite. Both create .venv and install first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
CLI    := $(VENV)/bin/claimsift
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export HF_DATASETS_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false

.PHONY: install demo test clean

install: $(VENV)/.installed

# torch goes first and pinned: pip then takes the CPU build that lies on this
# machine's disk instead of resolving `torch>=2.4` to a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	$(PY) -c "import claimsift, torch, transformers"
	touch $@

# The whole pipeline on the five seed articles: label (and the gold check),
# train the four task/model combinations, cross-validate the baselines by
# article, predict with an HTML report, and compare every run with the weak
# labels on the hand-annotated gold.
RUNS = models/classify-baseline-seeds-latest models/classify-transformer-seeds-latest \
       models/extract-baseline-seeds-latest models/extract-transformer-seeds-latest

demo: install
	$(CLI) label data=seeds
	$(CLI) gold check --articles seeds
	@if [ -d ../shared/corpus ]; then $(CLI) label data=corpus data.path=../shared/corpus; \
	else echo "(no ../shared/corpus here: corpus labeling skipped)"; fi
	$(CLI) train -m task=classify,extract model=baseline,transformer
	$(CLI) evaluate cv=by_article task=classify model=baseline
	$(CLI) evaluate cv=by_article task=extract model=baseline
	$(CLI) predict input=seeds output=predictions/seeds.jsonl report=predictions/seeds.html \
	  classify_run=models/classify-baseline-seeds-latest extract_run=models/extract-baseline-seeds-latest
	@if [ -d ../shared/corpus ]; then $(CLI) predict input=../shared/corpus output=predictions/corpus.jsonl \
	  report=predictions/corpus.html dataset=seeds; fi
	$(CLI) brat export predictions/seeds.jsonl predictions/brat-seeds
	$(CLI) compare $(RUNS) --split gold

# The HTML report test renders the page in Debian's headless Chromium; without
# root or a package mirror it cannot be installed and that test is skipped.
test: install
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: the browser test will be skipped"
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data/built models/*/ outputs multirun
