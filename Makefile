# The two commands (README.md): `make demo` and `make test`. Everything else is their parts.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test setup python-deps node-deps messages system-test-deps lint pytest test-postgres clean

demo: setup var/secret_key var/personal_data_key
	SECRET_KEY_FILE=$(CURDIR)/var/secret_key PERSONAL_DATA_KEY_FILE=$(CURDIR)/var/personal_data_key \
	  $(BIN)/berdaya demo $(DEMO_ARGS)

test: setup system-test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/pytest $(PYTEST_ARGS)

setup: python-deps node-deps messages

python-deps: $(BIN)/.installed
$(BIN)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 tidak ditemukan ($(PYTHON))"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# .po → .mo at setup (compiled files are not committed).
messages: python-deps
	@command -v msgfmt >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq gettext; }
	cd src/berdaya && DEBUG=1 ../../$(BIN)/berdaya compilemessages --verbosity 0

# Browser tests drive Debian's Chromium; install it (and its driver) when missing.
system-test-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Memasang chromium dari paket Debian …"; \
	  $(APT_GET) update -qq && $(APT_GET) install -y -qq chromium chromium-driver fonts-dejavu-core; \
	fi

var/secret_key:
	mkdir -p var
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# registry: encrypts NIK and phone numbers; created once, never overwritten (the data needs it)
var/personal_data_key:
	mkdir -p var
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

lint: python-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet .

clean:
	rm -rf $(VENV) node_modules var
