# Accord — the two commands: `make run` and `make test`.
#
# One warm target directory outside the checkout, reused between runs (and by CI on the
# same machine); a fresh machine builds from nothing into it.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/accord-target
CARGO ?= cargo

.PHONY: run test test-rust test-doc bench fmt lint clean-profile help

help:
	@echo "make run    show the demo meeting (headless until the desktop app lands)"
	@echo "make test   run every test (Rust unit, property, integration and doc tests)"
	@echo "make bench  run the benchmarks and write target/bench/results.json"

run:
	$(CARGO) run -q -p accord-cli -- demo

test: test-rust test-doc

test-rust:
	$(CARGO) nextest run --workspace --no-fail-fast

test-doc:
	$(CARGO) test -q --workspace --doc

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
