# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test install install-browser lint migrate demo ci clean mutate print-test-workers

# A .venv whose python or pip does not run (an interrupted or failed `venv`) is made again; a failed
# `venv` removes what it left, so the next `make` does not trip on half a .venv.
$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PY) -m pip --version >/dev/null 2>&1 || { \
	  rm -rf $(VENV) && PYTHON=$$(scripts/find-python) && \
	  { $$PYTHON -m venv $(VENV) || { rm -rf $(VENV); echo "Could not create $(VENV) with $$PYTHON" >&2; exit 1; }; }; }
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
	OUTBOUND_ALLOW_PRIVATE=$${OUTBOUND_ALLOW_PRIVATE:-true} $(PY) manage.py serve --port $(PORT)

# Installs chromium as root; otherwise a note (pytest names the browser tests it could not run),
# or an error under CI=true.
install-browser:
	@scripts/ensure-chromium

# pytest-xdist: one worker per core, at most 4 (each worker has its own test database and live server).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)

test: install install-browser
	$(PY) -m pytest -n $(TEST_WORKERS)

# By hand, not in CI: applies small bugs one at a time and says which the tests catch (scripts/mutate.py).
mutate: install
	$(PY) scripts/mutate.py $(ARGS)

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 test-artifacts

print-test-workers:
	@echo $(TEST_WORKERS)
