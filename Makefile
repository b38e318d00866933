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

.PHONY: install demo models deploy-baseline test clean labelstudio labelstudio-install

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

# The whole pipeline, in about ten minutes on 2 CPU cores: build the mixed
# dataset (the seeds held out, PolNeAR's hand labels, the written set), check
# the gold, train the default designs of both tasks (the transformers capped:
# `make models` trains them in full), evaluate each on the seeds' gold,
# compare them with the labeling functions, predict the seeds with an HTML
# report and export the predictions to brat.
RUNS = models/classify-baseline-mix-latest models/classify-transformer-mix-latest \
       models/extract-baseline-mix-latest models/extract-transformer-mix-latest
DEMO_CAP = train.max_sentences=2500 train.max_validation=800 model.params.epochs=2
DEMO_EXTRACT_CAP = train.max_sentences=2000 train.max_validation=800 model.extract.epochs=2 \
                   model.extract.early_stopping_patience=2

demo: install
	$(CLI) label data=mix
	$(CLI) gold check
	$(CLI) train task=classify model=baseline
	$(CLI) train task=classify model=transformer $(DEMO_CAP)
	$(CLI) train task=extract model=baseline train.max_sentences=4000
	$(CLI) train task=extract model=transformer $(DEMO_EXTRACT_CAP)
	$(CLI) compare $(RUNS) --split test
	$(CLI) predict input=seeds output=predictions/seeds.jsonl report=predictions/seeds.html predict.resume=false \
	  classify_run=models/classify-baseline-mix-latest extract_run=models/extract-baseline-mix-latest
	@if [ -d ../shared/corpus ]; then $(MAKE) --no-print-directory deploy-baseline && \
	  $(CLI) predict input=../shared/corpus output=predictions/corpus.jsonl predict.resume=false \
	  report=predictions/corpus.html classify_run=models/classify-baseline-deploy-latest \
	  extract_run=models/extract-baseline-mix-latest; fi
	$(CLI) brat export predictions/seeds.jsonl predictions/brat-seeds

# The full-quality default models (no caps): the classifiers on every
# hand-labelled training sentence, the extractors on all of PolNeAR's train
# spans and the written set. See README for how long each takes here.
models: install
	@test -d data/built/mix || $(CLI) label data=mix
	$(CLI) train task=classify model=baseline
	$(CLI) train task=classify model=transformer
	$(CLI) train task=extract model=baseline
	$(CLI) train task=extract model=transformer model.extract.epochs=4 model.extract.learning_rate=1e-4
	$(CLI) compare $(RUNS) --split test
	$(MAKE) --no-print-directory deploy-baseline

# The baseline classifier to deploy on new conflict articles: the mix's training set plus the seeds'
# gold, each seed sentence 10 times (configs/experiment/deploy.yaml). Leaving one seed article out,
# that scored 0.657 against 0.594 for the same design without the seeds (BENCHMARKS.md "Seeds in
# training"); it has no held-out set of its own, so the demo scores the mix runs and predicts new
# articles (../shared/corpus) with this one. About a minute here.
deploy-baseline: install
	$(CLI) label data=deploy
	$(CLI) train experiment=deploy task=classify model=baseline

# Label Studio (`claimsift annotate push/pull`, docs/annotate.md) lives in its
# own venv: it pins numpy and pyarrow below what claimsift's venv holds. The
# stamp names the version, so changing LABEL_STUDIO reinstalls it. empty-db/
# holds a migrated, empty database the tests copy: migrating a fresh one is
# most of Label Studio's first start (25 s to 2 min here, by load).
LS_VENV     ?= .venv-labelstudio
LABEL_STUDIO = 1.23.2
LS_PORT     ?= 8080
labelstudio-install: $(LS_VENV)/.installed-$(LABEL_STUDIO)

$(LS_VENV)/.installed-$(LABEL_STUDIO):
	test -x $(LS_VENV)/bin/python || python3 -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install -q --upgrade pip
	$(LS_VENV)/bin/pip install -q label-studio==$(LABEL_STUDIO)
	$(LS_VENV)/bin/python -c "import label_studio"
	rm -rf $(LS_VENV)/empty-db
	env -u USERNAME -u PASSWORD HOME=$(CURDIR)/$(LS_VENV)/empty-db LABEL_STUDIO_BASE_DATA_DIR=$(CURDIR)/$(LS_VENV)/empty-db \
	  SENTRY_DSN= LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false \
	  $(LS_VENV)/bin/label-studio init --quiet --no-browser </dev/null >$(LS_VENV)/empty-db.log 2>&1 \
	  || (cat $(LS_VENV)/empty-db.log; false)
	test -s $(LS_VENV)/empty-db/label_studio.sqlite3
	touch $@

# A local Label Studio for annotators: http://localhost:$(LS_PORT), data in ~/.local/share/label-studio.
labelstudio: labelstudio-install
	$(LS_VENV)/bin/label-studio start --no-browser --port $(LS_PORT)

# The HTML report test renders the page in Debian's headless Chromium; without
# root or a package mirror it cannot be installed and that test is skipped.
test: install labelstudio-install
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: the browser test will be skipped"
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) $(LS_VENV) data/built models/*/ outputs multirun
