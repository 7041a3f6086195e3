# The two commands of the README: `make demo` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: demo test test-postgres bench install translations lint browser-deps node-deps clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Compiled only when the catalogue changed: CI's two test runs share the file while they read it.
MO := portal/translations/en/LC_MESSAGES/messages.mo
$(MO): portal/translations/en/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations -D messages >/dev/null

translations: $(MO)

demo: install translations
	$(BIN)/python scripts/run_demo.py --port $(PORT)

# Browser tests drive Debian's Chromium (never a downloaded browser).
browser-deps:
	@command -v chromium >/dev/null || { \
	  echo "Installation de Chromium (apt) pour les tests du navigateur…"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y --no-install-recommends chromium >/dev/null; \
	  else sudo apt-get install -y --no-install-recommends chromium >/dev/null; fi; }

# The accessibility and HTML checks' tools, from the npm registry (package-lock.json): axe-core,
# and the W3C Nu HTML checker's jar, which runs on Java (apt's, when missing). --ignore-scripts:
# vnu-jar's postinstall would download a Java of its own.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "Installation de npm (apt) pour les outils de vérification…"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y --no-install-recommends npm >/dev/null; \
	  else sudo apt-get install -y --no-install-recommends npm >/dev/null; fi; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

node-deps: node_modules/.installed
	@command -v java >/dev/null || { \
	  echo "Installation de Java (apt) pour le vérificateur HTML…"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y --no-install-recommends default-jre-headless >/dev/null; \
	  else sudo apt-get install -y --no-install-recommends default-jre-headless >/dev/null; fi; }

test: install translations browser-deps node-deps
	$(BIN)/ruff check .
	$(BIN)/pytest

# The database tests again on PostgreSQL (CI runs it beside `make test` when a server answers;
# without pytest's cache, which the other run writes). Left out: the browser, the protocol and
# the tests whose portal has a database of its own (they would only run again).
test-postgres: install translations
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/portal_test} \
	  $(BIN)/pytest -m "not browser and not own_database" --ignore=tests/avantage -p no:cacheprovider

# Every script of bench/ at modest sizes, then one table (figure, value, floor, ratio, target,
# met). The load test needs a PostgreSQL server on 127.0.0.1:5432 and redis-server.
bench: install translations
	cd bench && ../$(BIN)/python report.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
