# Two commands a newcomer needs: `make run` and `make test`. Both set up
# whatever is missing first (idempotent; see `make setup`).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test setup system python widget lint typecheck validate evaluate evaluate-test evaluate-assist train bench clean

run: setup
	@.venv/bin/python -m bot.supervisor

test: setup lint typecheck train
	cd web_widget && npm test --silent
	.venv/bin/python -m pytest

setup: system python widget

python: .venv/.stamp .venv-rasa/.stamp

$(UV):
	@echo "==> setup: uv (the Python installer), into .tools/"
	@$(PYTHON) -m venv .tools
	@.tools/bin/pip install --quiet uv==0.13.8

# Gateway, handoff and tests: current aiohttp/python-socketio/redis-py.
.venv/.stamp: requirements/app.lock | $(UV)
	@echo "==> setup: gateway and test environment .venv/ from requirements/app.lock"
	@[ -x .venv/bin/python ] || $(UV) venv --quiet --python $(PYTHON) .venv
	@$(UV) pip sync --quiet --python .venv/bin/python requirements/app.lock
	@touch $@

# Rasa 3.6.21 and the action server, with the Python 3.11 pins of DESIGN.md.
.venv-rasa/.stamp: requirements/rasa.lock | $(UV)
	@echo "==> setup: Rasa 3.6 environment .venv-rasa/ from requirements/rasa.lock (about 200 packages; a few minutes the first time)"
	@[ -x .venv-rasa/bin/python ] || $(UV) venv --quiet --python $(PYTHON) .venv-rasa
	@$(UV) pip sync --quiet --python .venv-rasa/bin/python requirements/rasa.lock
	@touch $@

# Debian packages: redis-server (private Redis), chromium (browser tests), fonts
# for Armenian and Persian. Installed only when missing.
system:
	@echo "==> setup: Debian packages (redis-server, chromium, Noto fonts), when missing"
	@scripts/install-system-packages.sh

widget: web_widget/dist/widget.js

web_widget/dist/widget.js: web_widget/package-lock.json $(wildcard web_widget/src/*.js web_widget/src/*/*.js web_widget/src/locales/*.json web_widget/build.mjs)
	@echo "==> setup: the widget (npm ci, then esbuild into web_widget/dist/)"
	@cd web_widget && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

# ruff, then the import rules of .importlinter (which package may import which).
lint: .venv/.stamp
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache

typecheck: .venv/.stamp
	.venv/bin/mypy

# Trainer commands (see README).
train: python
	@# the test suite and `make run` use the model cached here
	.venv/bin/python -c "from bot.nlu.model_cache import ensure_model; from bot.core.paths import MODELS_DIR; print(ensure_model(MODELS_DIR))"

validate: python
	.venv/bin/python -m bot.nlu.validate $(ARGS)

evaluate: python
	PYTHONPATH=. .venv-rasa/bin/python -m bot.nlu.evaluate $(ARGS)

evaluate-test: python
	PYTHONPATH=. .venv-rasa/bin/python -m bot.nlu.evaluate --test-dir tests/data/nlu_test $(ARGS)

# Agent assist: how often the right answer is among the three suggestions
# (held-out messages, the served model, a test stack of its own).
evaluate-assist: setup train
	.venv/bin/python -m pytest -q -s -p no:cacheprovider tests/integration/test_assist.py -k right_answer

clean:
	rm -rf .venv .venv-rasa .tools web_widget/node_modules web_widget/dist var

bench: setup train
	.venv/bin/python -m benchmarks.bench_channels
	.venv/bin/python -m benchmarks.bench_gateway
	.venv/bin/python -m benchmarks.bench_login_burst
	.venv/bin/python -m benchmarks.bench_idle
	.venv/bin/python -m benchmarks.bench_relay
	.venv/bin/python -m benchmarks.bench_handoff
