# Monitoring Room: `make demo` opens the installation on bundled footage,
# `make test` runs the tests. Both create .venv and install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test firmware footage bench devset clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: setup
	$(BIN)/installation demo

firmware:
	@if command -v avr-gcc >/dev/null && [ -f hardware/Makefile ]; then $(MAKE) -C hardware; \
	else echo "avr-gcc not found: firmware not built, emulator tests will be skipped (see README)"; fi

test: setup firmware
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python -m pytest

footage: setup
	$(BIN)/python assets/footage/generate.py

bench: setup
	$(BIN)/installation bench

# Third-party photos and videos for measuring, into a cache outside the repository.
devset: setup
	$(BIN)/python -m installation.devset.fetch

clean:
	rm -rf $(VENV) hardware/build-* .pytest_cache
