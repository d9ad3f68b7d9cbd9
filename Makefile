# Set-up commands (see README): `make demo`, `make test`. Also `make bench`, `make docs`, `make test-221`.
# Everything installs itself from nothing: the venv, pinned tools and the offline ansible-test bootstrap.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
VENV_PY := $(VENV)/bin/python
# The collection copy lives outside the work tree (ansible-test lists files with git; build/ is ignored).
CI_BUILD_ROOT ?= $(shell $(PYTHON) -c 'import hashlib,os,tempfile;print(os.path.join(tempfile.gettempdir(),"cockroachdb-build-%s" % hashlib.md5(os.getcwd().encode()).hexdigest()[:8],"collections"))')
export CI_BUILD_ROOT
export ANSIBLE_COLLECTIONS_PATH := $(CI_BUILD_ROOT)
export ANSIBLE_PYTHON_INTERPRETER := $(CURDIR)/$(VENV_PY)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: all venv test demo bench docs build ee test-221 clean

all: test

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt requirements.txt
	@echo "== venv: $(VENV) with $(PYTHON)"
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q -r requirements-dev.txt -r requirements.txt
	@touch $@

test: venv
	@$(VENV_PY) tools/ci_steps.py $(if $(STEPS),--only $(STEPS),)

demo: venv
	@$(VENV_PY) tools/ci_steps.py --only copy >/dev/null
	@$(VENV_PY) tools/with_emulator.py --nodes 5 --create-seconds 2 --status-interval 2 -- \
	  $(VENV)/bin/ansible-playbook -i localhost, -c local playbooks/demo.yml \
	  -e ansible_python_interpreter=$(CURDIR)/$(VENV_PY)

bench: venv
	@$(VENV_PY) tools/ci_steps.py --only copy >/dev/null
	@for b in bench/[!_]*.py; do echo "== $$b"; $(VENV_PY) $$b || exit 1; done

docs: venv
	@$(VENV_PY) tools/ci_steps.py --only copy >/dev/null && $(VENV_PY) tools/docs_site.py build

build: venv
	@mkdir -p build && $(VENV)/bin/ansible-galaxy collection build --force --output-path build .

# The execution environment (docs/execution-environment.md): the collection tarball in build/ee, then the image
# with Podman or Docker when one runs here, else only the build context (build/ee/context) to build elsewhere.
# (an engine that answers: a docker client without a daemon does not count)
EE_ENGINE := $(shell podman info >/dev/null 2>&1 && echo podman || (docker info >/dev/null 2>&1 && echo docker))
EE_TAG := cockroachdb-ee:$(shell sed -n 's/^version: *//p' galaxy.yml)
ee: venv
	@rm -rf build/ee && mkdir -p build/ee
	@$(VENV)/bin/ansible-galaxy collection build --force --output-path build/ee .
	@if [ -n "$(EE_ENGINE)" ]; then \
	  $(VENV)/bin/ansible-builder build --file execution-environment.yml --context build/ee/context \
	    --container-runtime $(EE_ENGINE) --tag $(EE_TAG); \
	else \
	  $(VENV)/bin/ansible-builder create --file execution-environment.yml --context build/ee/context \
	    --output-filename Containerfile && \
	  echo "no podman or docker here: build context in build/ee/context (podman build -t $(EE_TAG) build/ee/context)"; \
	fi

# The same suite on ansible-core 2.21 in a Python 3.12 venv (pyenv), when one is available.
test-221:
	@if PYENV_VERSION=3.12.1 python3.12 --version >/dev/null 2>&1; then \
	  test -x .venv-221/bin/python || PYENV_VERSION=3.12.1 python3.12 -m venv .venv-221; \
	  sed 's/^ansible-core==.*/ansible-core>=2.21,<2.22/' requirements-dev.txt > build/requirements-221.txt 2>/dev/null || \
	  { mkdir -p build; sed 's/^ansible-core==.*/ansible-core>=2.21,<2.22/' requirements-dev.txt > build/requirements-221.txt; }; \
	  .venv-221/bin/pip install -q -r build/requirements-221.txt -r requirements.txt && \
	  ANSIBLE_PYTHON_INTERPRETER=$(CURDIR)/.venv-221/bin/python .venv-221/bin/python tools/ci_steps.py --python 3.12; \
	else echo "test-221: no Python 3.12 (pyenv 3.12.1) on this machine; nothing run"; fi

clean:
	rm -rf build tests/output .ansible
