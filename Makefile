# The two commands: `make run` and `make test` (`make fuzz`: the property-based suite, long). Both build .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export FLASK_APP := helpdesk
export OPENBLAS_NUM_THREADS := 1

.PHONY: run test fuzz venv clean

venv: $(STAMP)

# Rebuilt when requirements.txt changes (or the venv is missing or broken).
$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 \
	  | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import flask, natasha, sqlalchemy" || (echo "venv build failed" && exit 1)
	@touch $(STAMP)

run: $(STAMP)
	@mkdir -p instance
	@HELPDESK_DEMO=$${HELPDESK_DEMO:-auto} $(BIN)/flask db upgrade
	@$(BIN)/flask seed
	@HELPDESK_DEMO=$${HELPDESK_DEMO:-auto} $(BIN)/flask demo-admin
	@echo "Helpdesk: http://$(HOST):$(PORT)"
	@echo "Демо-режим включается сам, пока не настроен ни один настоящий канал (HELPDESK_DEMO=0 — выключить)."
	@HELPDESK_DEMO=$${HELPDESK_DEMO:-auto} HELPDESK_URL=$${HELPDESK_URL:-http://$(HOST):$(PORT)} \
	  $(BIN)/gunicorn --workers 1 --threads 8 \
	  --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The property-based suite with many more examples (the Hypothesis "fuzz" profile).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:randomly tests/inbox/test_properties.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/helpdesk.db .pytest_cache
