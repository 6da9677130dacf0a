# Monitoring Room: `make demo` opens the installation on bundled footage,
# `make test` runs the tests, `make lint` checks style and types. All create .venv and install
# what they need (one .venv with the test and development tools).

# The Pythons the project supports: pyproject.toml's requires-python (3.11 is what it is
# developed and tested on). IS_SUPPORTED exits 0 for one of them.
SUPPORTED    := 3.10, 3.11 or 3.12
IS_SUPPORTED := -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))'
# The first supported interpreter on PATH, unless named: make PYTHON=/path/to/python3.11
ifndef PYTHON
PYTHON := $(shell for p in python3.11 python3.12 python3.10 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p $(IS_SUPPORTED) 2>/dev/null && { command -v $$p; break; }; done)
endif
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint firmware footage bench devset clean

setup: $(STAMP)

# A .venv that cannot work (made with a Python the project does not support, or without pip)
# is removed, never reused; one that fails to be made is not left behind.
$(STAMP): pyproject.toml
	@if [ -e $(VENV) ] && ! $(BIN)/python $(IS_SUPPORTED) >/dev/null 2>&1; then \
	  echo "$(VENV) was made with $$($(BIN)/python -V 2>&1 || echo 'a Python that no longer runs'), which this project does not support ($(SUPPORTED)): removing it"; \
	  rm -rf $(VENV); \
	elif [ -e $(VENV) ] && ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
	  echo "$(VENV) has no pip (it was made without Python's venv package): removing it"; \
	  rm -rf $(VENV); \
	fi
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" $(IS_SUPPORTED) >/dev/null 2>&1; then \
	  if [ -n "$(PYTHON)" ]; then found="$(PYTHON) is $$("$(PYTHON)" -V 2>&1)"; \
	  else found="python3 here is $$(python3 -V 2>&1 || echo 'not installed')"; fi; \
	  echo "make: no supported Python: Monitoring Room needs Python $(SUPPORTED) ($$found)."; \
	  echo "Install one, for example Python 3.11:"; \
	  echo "  Debian, Ubuntu:   sudo apt install python3.11 python3.11-venv (Ubuntu releases without it: the deadsnakes PPA)"; \
	  echo "  macOS (Homebrew): brew install python@3.11"; \
	  echo "  anywhere, uv:     uv python install 3.11"; \
	  echo "then run make again (it looks for python3.11, python3.12, python3.10 and python3),"; \
	  echo "or name it: make PYTHON=/path/to/python3.11"; \
	  exit 1; \
	fi
	@if [ ! -e $(VENV) ]; then \
	  echo "$(PYTHON) -m venv $(VENV)"; \
	  "$(PYTHON)" -m venv $(VENV) || { rm -rf $(VENV); \
	    echo "make: $(PYTHON) could not make $(VENV); on Debian and Ubuntu install its venv package:" \
	         "sudo apt install python$$("$(PYTHON)" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"; \
	    exit 1; }; \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/installation demo

firmware:
	@if command -v avr-gcc >/dev/null && [ -f hardware/Makefile ]; then $(MAKE) -C hardware; \
	else echo "avr-gcc not found: firmware not built, emulator tests will be skipped (see README)"; fi

test: setup firmware
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python -m pytest

# What CI checks before the tests: lint, formatting (`ruff format` fixes it) and types.
LINTED := installation tests benchmarks
lint: setup
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy $(LINTED)

footage: setup
	$(BIN)/python assets/footage/generate.py

bench: setup
	$(BIN)/installation bench

# Third-party photos and videos for measuring, into a cache outside the repository.
devset: setup
	$(BIN)/python -m installation.devset.fetch

clean:
	rm -rf $(VENV) hardware/build-* .pytest_cache .mypy_cache .ruff_cache
