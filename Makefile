# The README's two commands are `make lab` (JupyterLab with nbops and the examples) and
# `make test` (everything CI runs). Each sets itself up on a fresh machine and is idempotent.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
WHEEL_VENV ?= .venv-wheel
AIRFLOW_VENV ?= .venv-airflow
BINDER_VENV ?= .venv-binder
FLOOR_VENV ?= .venv-mlflow-floor
# the oldest MLflow pyproject.toml allows (its newest is what `setup` installs): tested here too
MLFLOW_FLOOR := 3.1.4
BIN := $(VENV)/bin
ACTIVATE := . $(BIN)/activate &&
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
CHROMIUM ?= /usr/bin/chromium

.PHONY: lab demo test setup airflow lint jest pytest mlflow-floor wheel-check binder-check ui-test chromium clean

## lab: JupyterLab with nbops and the examples, on the embedded store (examples/.nbops)
lab: setup
	$(ACTIVATE) jupyter lab --ServerApp.root_dir=examples $(ROOT_FLAG)

## demo: the example project headless: the pipeline, a sweep, then where the runs and reports are
demo: setup
	$(ACTIVATE) cd examples && nbops pipeline show pipeline.yaml
	$(ACTIVATE) cd examples && nbops pipeline run pipeline.yaml
	$(ACTIVATE) cd examples && nbops run 00_quickstart.ipynb --sweep alpha=0.01,0.1,1,10 --metric rmse
	$(ACTIVATE) cd examples && nbops runs --limit 8 && nbops snapshots
	@echo "Reports: examples/.nbops/runs/<run id>/report.html (or: nbops report RUN_ID)."
	@echo "MLflow's UI on the same runs: (cd examples && ../$(BIN)/mlflow ui --backend-store-uri sqlite:///.nbops/mlflow.db)"

## test: lint, Jest, pytest (with Airflow), the wheel-without-node check, Binder postBuild, browser tests
test: lint jest pytest mlflow-floor wheel-check binder-check ui-test

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package.json yarn.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q "jupyter-builder>=1.2.0,<2" build
	$(ACTIVATE) jlpm install
	@# a develop symlink from an earlier set-up would let pip write install.json into the sources
	rm -rf $(VENV)/share/jupyter/labextensions/nbops python/nbops/labextension/install.json
	$(ACTIVATE) pip install -q -e ".[test,dev,examples]"
	$(ACTIVATE) jupyter labextension develop --overwrite .
	touch $@

## airflow: a separate virtualenv with Apache Airflow, in which the tests load generated DAG files
airflow: $(AIRFLOW_VENV)/.installed

$(AIRFLOW_VENV)/.installed:
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install -q -U pip
	$(AIRFLOW_VENV)/bin/python -m pip install -q "apache-airflow>=3,<4"
	touch $@

lint: setup
	$(ACTIVATE) ruff check python tests benchmarks ui-tests .ci conftest.py
	$(ACTIVATE) ruff format --check python tests benchmarks ui-tests .ci conftest.py
	$(ACTIVATE) jlpm lint

## jest: the frontend's model and API client
jest: setup
	$(ACTIVATE) jlpm test

pytest: setup airflow
	$(ACTIVATE) NBOPS_AIRFLOW_PYTHON="$(CURDIR)/$(AIRFLOW_VENV)/bin/python" python -m pytest --durations=25

## mlflow-floor: the store, the kernel's session and the registry on the oldest MLflow allowed
mlflow-floor: setup
	rm -rf $(FLOOR_VENV) && $(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install -q -U pip
	$(FLOOR_VENV)/bin/python -m pip install -q -e ".[test]" "mlflow==$(MLFLOW_FLOOR)" "sqlalchemy<2.1"
	$(FLOOR_VENV)/bin/python -c "import mlflow; assert mlflow.__version__ == '$(MLFLOW_FLOOR)', mlflow.__version__"
	$(FLOOR_VENV)/bin/python -m pytest -q -p no:cacheprovider --basetemp=$(FLOOR_VENV)/tmp \
	  tests/store tests/capture/test_session.py tests/loop/test_promote.py

## wheel-check: build sdist and wheel from clean, install the wheel where no node is on PATH
wheel-check: setup
	$(ACTIVATE) jlpm clean:all && rm -rf dist && python -m build
	rm -rf $(WHEEL_VENV) && $(PYTHON) -m venv $(WHEEL_VENV)
	env -i HOME="$$HOME" PATH="$(CURDIR)/$(WHEEL_VENV)/bin" \
	  $(WHEEL_VENV)/bin/python .ci/check_wheel.py dist/nbops-*.whl
	@ls -l dist/

## binder-check: binder/postBuild's commands in a fresh virtualenv (Binder itself needs Docker)
binder-check: wheel-check
	rm -rf $(BINDER_VENV) && $(PYTHON) -m venv $(BINDER_VENV)
	PATH="$(CURDIR)/$(BINDER_VENV)/bin:$$PATH" bash binder/postBuild

## ui-test: Galata in Debian's Chromium against JupyterLab with the installed wheel
ui-test: wheel-check chromium
	cd ui-tests && PATH="$(CURDIR)/$(WHEEL_VENV)/bin:$$PATH" jlpm install
	cd ui-tests && PATH="$(CURDIR)/$(WHEEL_VENV)/bin:$$PATH" CI=1 CHROMIUM_PATH=$(CHROMIUM) \
	  jlpm playwright test

chromium:
	@command -v $(CHROMIUM) >/dev/null || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-liberation; }

clean:
	rm -rf $(VENV) $(WHEEL_VENV) $(AIRFLOW_VENV) $(BINDER_VENV) $(FLOOR_VENV) dist node_modules ui-tests/node_modules labextension/lib \
	  python/nbops/labextension python/nbops/_version.py tsconfig.tsbuildinfo
