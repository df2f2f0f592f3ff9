# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test install install-browser lint migrate demo ci clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || { PYTHON=$$(scripts/find-python) && $$PYTHON -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# The demo needs no settings: its SECRET_KEY is made once, at random, into .secret_key (git-ignored, 0600).
.secret_key: | $(VENV)/.installed
	@umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.tmp && mv $@.tmp $@
	@echo "Wrote a random SECRET_KEY to .secret_key (keep it: sessions and API key secrets depend on it)."

run: .secret_key demo
	$(PY) manage.py serve --port $(PORT)

install-browser:
	@scripts/ensure-chromium

test: install install-browser
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 test-artifacts
