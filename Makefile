# Accord — the two commands: `make run` and `make test`.
#
# One warm target directory outside the checkout, reused between runs (and by CI on the
# same machine); a fresh machine builds from nothing into it.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/accord-target
CARGO ?= cargo

# test-multihost (added by the cli work)
.PHONY: test-multihost

.PHONY: run test test-rust test-doc test-ui e2e ui app apt-deps e2e-deps bench fmt lint clean-profile help

help:
	@echo "make run    start the desktop app (ACCORD_DATA_DIR=dir picks the profile); installs what is missing"
	@echo "make test   run every test (Rust unit, property, integration and doc tests, UI tests, end-to-end)"
	@echo "make e2e    run the end-to-end tests alone (the real app under Xvfb, through WebDriver)"
	@echo "make bench  run the benchmarks and write target/bench/results.json"

# ---- the desktop app ---------------------------------------------------------------------
# System packages the Tauri build links against (Debian 12), and those the e2e run needs.
APP_APT := libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev \
           libayatana-appindicator3-dev librsvg2-dev
E2E_APT := xvfb webkit2gtk-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Installs the packages of $(1) that are not installed yet (nothing, and no apt, otherwise).
apt_install = missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "==> apt-get install$$missing"; $(SUDO) apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; fi
XVFB := xvfb-run -a -s "-screen 0 1280x1024x24"

run: apt-deps ui
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "make run: no display here (DISPLAY is not set), so the window cannot be seen."; \
	  echo "          Starting it under xvfb-run anyway; stop it with Ctrl-C. (make e2e drives it headless.)"; \
	  $(call apt_install,xvfb); \
	  $(XVFB) $(CARGO) run -p accord-desktop; \
	else $(CARGO) run -p accord-desktop; fi

apt-deps:
	@$(call apt_install,$(APP_APT))

# The UI, built into ui/dist, which the app embeds at compile time.
# (npm ci falls back to npm install: npm 11 finds ui/package-lock.json out of sync.)
NPM_CI := npm ci --no-audit --no-fund || npm install --no-audit --no-fund
ui:
	@[ -d ui/node_modules ] || (cd ui && { $(NPM_CI); })
	cd ui && npm run build

# For the end-to-end tests: every target of the workspace, as the Rust tests build them,
# so the app links from the artifacts the tests already built instead of compiling the
# dependency tree a second time with another feature set. (`make run` builds the app alone.)
app: apt-deps ui
	$(CARGO) build --workspace --all-targets

e2e-deps:
	@$(call apt_install,$(E2E_APT))
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --locked --version '^2'

e2e: app e2e-deps
	$(XVFB) python3 e2e/run.py

test: test-rust test-doc test-multihost test-ui e2e

test-ui:
	@[ -d ui/node_modules ] || (cd ui && { $(NPM_CI); })
	cd ui && npm test

# The desktop crate embeds ui/dist at compile time, so the UI is built before any Rust test.
test-rust: apt-deps ui
	$(CARGO) nextest run --workspace --no-fail-fast

# Several hosts in network namespaces (needs root: says SKIPPED otherwise); see tests/multihost.
test-multihost:
	$(CARGO) build -q --workspace --all-targets
	tests/multihost/run.sh $(CARGO_TARGET_DIR)/debug/accord

test-doc: ui
	$(CARGO) test -q --workspace --doc

fmt:
	$(CARGO) fmt --all

lint: ui
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Benchmarks: ratios against baselines measured in the same run. QUICK=1 for small inputs;
# TRACE=file and DOC=file[,file] measure other inputs.
bench:
	$(CARGO) run --release -q -p accord-bench -- $(if $(QUICK),--quick) $(if $(TRACE),--trace $(TRACE)) $(if $(DOC),--doc $(DOC))
