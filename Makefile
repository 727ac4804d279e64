# The two commands of the README: `make demo` and `make test`.
# Both create the virtual environment on first use and install msgaudit into it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean system-deps

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@touch $(STAMP)

# WeasyPrint renders PDFs through Pango; machines of this kind ship it, others get it from Debian.
system-deps:
	@ldconfig -p | grep -q 'libpango-1.0.so' || { apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; }

demo: $(STAMP)
	$(VENV)/bin/msgaudit demo

test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadfile

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) reports/demo .pytest_cache
