# Dendra: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
NODE_TEST := node --import tsx --test --test-reporter=spec
HOST_TESTS = $(shell find host/*/src -name '*.test.ts' | sort)
E2E_TESTS = $(shell find tests -name '*.test.ts' | sort)

.PHONY: help deps build demo demo-forever test test-fw test-host test-e2e typecheck bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

deps: ## install Debian packages and npm dependencies that are missing
	@scripts/deps.sh

build: deps ## build the firmware (.wasm, reference and SIMD)
	@node firmware/build.mjs

demo: build ## broker + sim board + flash the grid and pack models + replay ETTh1 and a simulated pack + show both alert kinds (ends by itself)
	@node bin/dendra.js demo

demo-forever: build ## the demo, running until Ctrl-C
	@node bin/dendra.js demo --forever

typecheck: deps
	@npx tsc -p tsconfig.json --noEmit

test-fw: build ## firmware unit tests (as-pect)
	@npx asp --config firmware/as-pect.config.cjs

test-host: deps ## host unit tests (node:test)
	@$(NODE_TEST) $(HOST_TESTS)

test-e2e: build ## end-to-end tests: real pty, real broker, real firmware .wasm
	@$(NODE_TEST) --test-concurrency=1 $(E2E_TESTS)

test: build typecheck test-fw test-host test-e2e ## every test (what CI runs)

soak: build ## flashing fault soak with the CLI defaults: 200 model runs per fault rate (0.1/0.5/1% drops + flips) + 200 A/B firmware runs, with disconnects and power cuts (hours)
	@DENDRA_SOAK_RUNS=200 $(NODE_TEST) host/device/src/flash/faults.test.ts

bench: build ## benchmarks: ratios written to bench/results/
	@node --import tsx bench/run.ts

clean: ## remove build output
	rm -rf build .dendra
