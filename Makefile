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
	touch $@

demo: install
	$(CLI) label data=seeds
	@if [ -d ../shared/corpus ]; then $(CLI) label data=corpus data.path=../shared/corpus; \
	else echo "(no ../shared/corpus here: corpus labeling skipped)"; fi

test: install
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data/built models/*/ outputs multirun
