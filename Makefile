# Dendra: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
NODE_TEST := node --import tsx --test --test-reporter=spec
HOST_TESTS = $(shell find host/*/src -name '*.test.ts' | sort) bench/soakreport.test.ts
E2E_TESTS = $(shell find tests -name '*.test.ts' | sort)

.PHONY: help deps build runtime demo demo-forever test test-fw test-host test-e2e typecheck lint-imports bench bench-engine bench-runtime clean materials-eval

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' Makefile | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

deps: ## install Debian packages and npm dependencies that are missing
	@scripts/deps.sh

build: deps ## build the firmware (.wasm, reference and SIMD), compile the CLI to build/cli/ and, where cmake and cc exist, build/dendra-runtime
	@node firmware/build.mjs
	@node scripts/build-cli.mjs
	@mkdir -p build && scripts/build-runtime.sh --if-possible

runtime: ## build build/dendra-runtime: the firmware on WAMR with a native HAL (no network)
	@mkdir -p build && scripts/build-runtime.sh

demo: build ## broker + sim board + flash the grid and pack models + replay ETTh1 and a simulated pack + show both alert kinds (ends by itself)
	@node bin/dendra.js demo

demo-forever: build ## the demo, running until Ctrl-C
	@node bin/dendra.js demo --forever

typecheck: deps
	@npx tsc -p tsconfig.json --noEmit

lint-imports: deps ## import rules between packages and firmware layers (.dependency-cruiser.cjs)
	@npx depcruise --config .dependency-cruiser.cjs --output-type err firmware/assembly host tests bench scripts

test-fw: build ## firmware unit tests (as-pect)
	@npx asp --config firmware/as-pect.config.cjs

test-host: deps ## host unit tests (node:test)
	@$(NODE_TEST) $(HOST_TESTS)

# The e2e suites run on every target (tests/support/targets.ts): the simulator and, where cmake
# exists to build it, the native runtime (DENDRA_TARGETS=sim|runtime|sim,runtime chooses).
RUNTIME_FOR_E2E := $(if $(shell command -v cmake 2>/dev/null),runtime,)

test-e2e: build $(RUNTIME_FOR_E2E) ## end-to-end tests on every target (sim, native runtime): real pty, real broker, real firmware .wasm
	@$(NODE_TEST) --test-concurrency=1 $(E2E_TESTS)

test: build typecheck lint-imports test-fw test-host test-e2e ## every test (what CI runs)

soak: build ## flashing fault soak with the CLI defaults, report in bench/results/soak.md: DENDRA_SOAK_RUNS (default 200) model runs per fault rate (0.1/0.5/1% drops + flips) + as many A/B firmware runs, with disconnects and power cuts; DENDRA_SOAK_JOBS workers (2), DENDRA_SOAK_BAUD (921600)
	@DENDRA_SOAK_RUNS=$${DENDRA_SOAK_RUNS:-200} node --import tsx bench/soak.ts

# Command fuzz soak (tests/cmd-fuzz.test.ts; 10,000 payloads run in make test): its own target, a prerequisite of soak.
.PHONY: soak-cmd
soak: soak-cmd
soak-cmd: build ## command fuzz: DENDRA_CMD_FUZZ_N (default 200,000) seeded payloads against the real firmware in the simulator (~5 min on a loaded 2-core machine; DENDRA_CMD_FUZZ_SEED to replay)
	@DENDRA_CMD_FUZZ_N=$${DENDRA_CMD_FUZZ_N:-200000} $(NODE_TEST) tests/cmd-fuzz.test.ts

bench: build ## benchmarks: ratios written to bench/results/ (includes bench-runtime)
	@node --import tsx bench/run.ts

bench-engine: build ## the interpreter part of the bench only: bench/results/bench.md and the model cards' bench and boards sections (~1 min)
	@DENDRA_BENCH_ONLY=engine node --import tsx bench/run.ts

bench-runtime: build ## the engine on WAMR (fast interpreter, AOT) vs V8, interleaved, + footprint: bench/results/runtime.md (~1 min; the first run builds WAMR and wamrc out of tree, several minutes)
	@node --import tsx bench/runtime.ts

materials-eval: deps ## nested grouped CV of the materials model (~20 min on the loaded 2-core machine), then retrain the shipped model and its card from it
	@node bin/dendra.js materials eval --save models/materials/eval-nested.json
	@node bin/dendra.js materials train --from models/materials/eval-nested.json

clean: ## remove build output
	rm -rf build .dendra
