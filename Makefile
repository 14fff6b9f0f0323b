# nylas.migration — the two commands a newcomer needs are `make demo` and `make test`.
# Everything else here is a step they are made of.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTIONS := $(CURDIR)/collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)
SANITY_ROOT ?= $(or $(TMPDIR),/tmp)/nylas-migration-sanity
PYTEST := $(BIN)/python -m pytest
# Tools with pins of their own (galaxy-importer, antsibull-docs) live in venvs under .cache/tools/, not in .venv.
CACHE := $(CURDIR)/.cache
TOOLS := $(CACHE)/tools
TARBALL_DIR := $(CACHE)/dist
VERSIONS ?= all
JOBS ?= 2
# Offline, the labels of docs.ansible.com that antsibull-docs links to (intersphinx) stay undefined: the only
# warnings docs-site accepts. Any other Sphinx warning fails it.
DOCS_OFFLINE_LABELS := undefined label: '(ansible_collections\.ansible\.builtin\.[a-z_]+_module|common_return_values|action_plugins|ansible_configuration_settings)'
# A tool run as outside the checkout: an empty ansible.cfg and only the given collections path.
define outside
  work=$$(mktemp -d) && trap 'rm -rf "$$work"' EXIT && printf '[defaults]\n' > "$$work/ansible.cfg" && \
  export ANSIBLE_CONFIG="$$work/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$$work/collections" ANSIBLE_NOCOLOR=1
endef

.PHONY: help venv collection-link demo test matrix galaxy-import docs-lint docs-site dist sanity units simulator-tests integration installed-tests lint benchmark changelog-lint ee-context collection-copy units-ansible-test clean benchmark-translate benchmark-scale

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(STAMP)  ## Create .venv and install the pinned dependencies

collection-link:  ## Make the checkout visible to Ansible as nylas.migration (collections/, gitignored)
	@mkdir -p $(COLLECTIONS)/ansible_collections/nylas
	@ln -sfn ../../.. $(COLLECTIONS)/ansible_collections/nylas/migration

demo: venv collection-link  ## Run migrate.yml on the simulators: plan (--check --diff), change, re-run
	$(BIN)/python scripts/demo.py

test: venv collection-link  ## ansible-lint, changelog lint, sanity, unit, simulator and integration tests
	$(MAKE) --no-print-directory lint changelog-lint ee-context sanity units-ansible-test units simulator-tests integration \
	  galaxy-import docs-lint docs-site matrix

matrix: venv  ## The installed tarball on ansible-core 2.16-2.21: plan/change/re-run, ansible-doc, sanity on oldest+newest (VERSIONS=2.16,2.21 JOBS=2)
	$(BIN)/python scripts/matrix.py --versions $(VERSIONS) --jobs $(JOBS) --tarball $$($(MAKE) --no-print-directory -s dist)

dist: venv  # build the collection tarball once into .cache/dist/ and print its path
	@rm -rf $(TARBALL_DIR) && mkdir -p $(TARBALL_DIR)
	@$(call outside) && $(BIN)/ansible-galaxy collection build --output-path $(TARBALL_DIR) $(CURDIR) >/dev/null
	@ls $(TARBALL_DIR)/nylas-migration-*.tar.gz

$(TOOLS)/%/.installed: .ci/requirements-%.txt
	@rm -rf $(TOOLS)/$* && $(PYTHON) -m venv $(TOOLS)/$*
	$(TOOLS)/$*/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

galaxy-import: venv $(TOOLS)/galaxy-importer/.installed  ## galaxy-importer (default config) on the built tarball: 0 errors, 0 warnings
	@tarball=$$($(MAKE) --no-print-directory -s dist) && $(call outside) && cd "$$work" && \
	  HOME="$$work" PATH=$(TOOLS)/galaxy-importer/bin:$$PATH $(TOOLS)/galaxy-importer/bin/python -m galaxy_importer.main "$$tarball" \
	    2>&1 | { grep -v -e CryptographyDeprecationWarning -e 'from cryptography' || true; } | tee "$$work/import.log" | { grep -v -e '^Loading ' || true; }; \
	  n=$$(grep -cE '^(WARNING|ERROR)' "$$work/import.log" || true); echo "galaxy-importer: $$n errors/warnings"; test "$$n" = 0

docs-lint: venv $(TOOLS)/docs/.installed  ## antsibull-docs lint-collection-docs --plugin-docs on the installed tarball: 0 findings
	@tarball=$$($(MAKE) --no-print-directory -s dist) && $(call outside) && export PATH=$(TOOLS)/docs/bin:$$PATH && cd "$$work" && \
	  ansible-galaxy collection install "$$tarball" -p "$$work/collections" >/dev/null 2>&1 && \
	  antsibull-docs lint-collection-docs --plugin-docs "$$work/collections/ansible_collections/nylas/migration" 2>&1 \
	    | { grep -v -e CryptographyDeprecationWarning -e 'from cryptography' || true; } | tee "$$work/lint.log"; \
	  n=$$(grep -c . "$$work/lint.log" || true); echo "antsibull-docs lint: $$n findings"; test "$$n" = 0

docs-site: venv $(TOOLS)/docs/.installed  ## The collection's docs site (antsibull-docs sphinx-init + sphinx-build) into .cache/docs-site/build/html
	@tarball=$$($(MAKE) --no-print-directory -s dist) && $(call outside) && export PATH=$(TOOLS)/docs/bin:$$PATH && \
	  ansible-galaxy collection install "$$tarball" -p "$$work/collections" >/dev/null 2>&1 && \
	  rm -rf $(CACHE)/docs-site && mkdir -p $(CACHE)/docs-site && \
	  antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir $(CACHE)/docs-site nylas.migration >/dev/null && \
	  printf '\n# Built offline (make docs-site): no intersphinx inventory to fetch.\nintersphinx_mapping = {}\n' >> $(CACHE)/docs-site/conf.py && \
	  sed -i 's/ -W --keep-going/ -w warnings.log/' $(CACHE)/docs-site/build.sh && \
	  $(CACHE)/docs-site/build.sh 2>&1 | { grep -v -e CryptographyDeprecationWarning -e 'from cryptography' || true; } | tail -2 && \
	  test -f $(CACHE)/docs-site/build/html/collections/nylas/migration/migrate_role.html && \
	  { grep -v -E "$(DOCS_OFFLINE_LABELS)" $(CACHE)/docs-site/warnings.log > $(CACHE)/docs-site/our-warnings.log || true; } && \
	  echo "docs site: $(CACHE)/docs-site/build/html/index.html; $$(grep -c . $(CACHE)/docs-site/warnings.log) warnings, \
	    $$(grep -c . $(CACHE)/docs-site/our-warnings.log) not about docs.ansible.com labels" && \
	  { ! grep . $(CACHE)/docs-site/our-warnings.log; }

collection-copy: venv  # the checkout as ansible-test wants it: a real ansible_collections/nylas/migration tree
	@rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)/ansible_collections/nylas/migration
	@git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
	  | tar --null -T - -cf - | tar -xf - -C $(SANITY_ROOT)/ansible_collections/nylas/migration

sanity: venv collection-copy  ## ansible-test sanity on a copy in an ansible_collections/nylas/migration tree
	@mkdir -p $(HOME)/.ansible/test/cache
	@pipv=$$($(BIN)/python -c "import re,ansible_test._internal.python_requirements as m; print(re.search(r\"pip='([0-9.]+)'\", open(m.__file__).read()).group(1))"); \
	  cp tests/sanity/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$${pipv//./_}.py
	cd $(SANITY_ROOT)/ansible_collections/nylas/migration && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

units-ansible-test: venv collection-copy  ## The unit tests once more under ansible-test units (its own collection loader)
	cd $(SANITY_ROOT)/ansible_collections/nylas/migration && $(BIN)/ansible-test units --venv --python 3.11 --requirements --color no

units: venv collection-link  ## Unit tests (pytest-ansible injects the collection)
	$(PYTEST) tests/unit -q --ansible-unit-inject-only

simulator-tests: venv  ## The simulator's own tests (it is the ground truth of the integration tests)
	$(PYTEST) tests/simulator -q -p no:pytest-ansible

integration: venv collection-link  ## Modules and playbooks against simulators on free loopback ports
	$(PYTEST) tests/integration -q -p no:pytest-ansible

installed-tests: venv  ## Part of integration: the built tarball installed in a fresh path, run by FQCN and as an AWX job over many pairs
	$(PYTEST) tests/integration/installed -q -p no:pytest-ansible

lint: venv collection-link  ## ansible-lint, production profile
	$(BIN)/ansible-lint --profile production

changelog-lint: venv  ## antsibull-changelog lint of changelogs/
	$(BIN)/antsibull-changelog lint

ee-context: venv  ## Build the collection tarball and the execution-environment build context (context/)
	rm -f nylas-migration-*.tar.gz  # the EE file picks the tarball by a glob: keep exactly one
	$(BIN)/ansible-galaxy collection build --force --output-path .
	rm -rf context && $(BIN)/ansible-builder create -f execution-environment.yml -c context

benchmark: venv collection-link  ## Print throughput figures against the rate limit and a naive baseline
	$(BIN)/python benchmarks/run.py

clean:  ## Remove generated files (not .venv)
	rm -rf tests/output collections .ansible reports .sim context nylas-migration-*.tar.gz

benchmark-scale: venv collection-link  ## Print plan/change/re-run figures of the playbook over 20 pairs x 5,000 accounts (us + eu), and forks 5 vs 20
	$(BIN)/python benchmarks/scale.py

benchmark-translate: venv collection-link  ## Print id-translation throughput (1 and 3 apps) against the 20 requests/s ceiling, and the resume cost
	$(BIN)/python benchmarks/translate.py
