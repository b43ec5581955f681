# mergeloom-worker: the two commands are `make run` and `make test`. Everything they need is
# installed on first use (npm packages, and Chromium for the browser tests).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
BIN := target/debug/mergeloom-worker
PORT ?= 8010
DATA_DIR ?= ./data
ARGS ?=

.PHONY: run build frontend frontend-deps e2e-deps cli-tools chromium backend lint test test-steps \
	rust-test frontend-test e2e bench openapi schema clean

## run: build everything, then serve http://127.0.0.1:$(PORT) on $(DATA_DIR)
run: build
	$(BIN) serve --port $(PORT) --data-dir $(DATA_DIR) $(ARGS)

## build: the frontend first (it is embedded), then one cargo build
build: frontend backend

frontend-deps:
	@if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then \
		echo "installing frontend packages (npm ci)"; cd frontend && npm ci --no-audit --no-fund; fi

frontend: frontend-deps
	cd frontend && npm run build

backend:
	cargo build

e2e-deps:
	@if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then \
		echo "installing e2e packages (npm ci)"; cd e2e && npm ci --no-audit --no-fund; fi

## cli-tools: the real agent CLIs the Rust tests drive (Claude Code, Codex), pinned with a lock file
cli-tools:
	@if [ ! -d backend/tests/cli-tools/node_modules ] || [ backend/tests/cli-tools/package-lock.json -nt backend/tests/cli-tools/node_modules/.package-lock.json ]; then \
		echo "installing the agent CLIs for tests (npm ci)"; cd backend/tests/cli-tools && npm ci --no-audit --no-fund; fi

## chromium: the system Chromium for browser tests (no browser downloads are possible here)
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Chromium with apt-get"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

## lint: rustfmt, clippy (-D warnings), ESLint + tsc, and staleness of generated API types
lint: frontend-deps
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cd frontend && npm run lint
	cd frontend && npm run check:api

rust-test: cli-tools
	@if cargo nextest --version >/dev/null 2>&1; then cargo nextest run --workspace --no-fail-fast; \
	else echo "cargo-nextest not found: using cargo test"; cargo test --workspace; fi

frontend-test: frontend-deps
	cd frontend && npm test

## e2e: browser tests in the system Chromium against the built binary
e2e: chromium e2e-deps build
	cd e2e && MERGELOOM_BIN=$(CURDIR)/$(BIN) npm test

test-steps: frontend lint frontend-test backend rust-test e2e

## test: every check and test (Rust, frontend, browser e2e), then the wall time
test:
	@start=$$(date +%s); status=0; $(MAKE) --no-print-directory test-steps || status=$$?; \
	echo "make test: wall time $$(( $$(date +%s) - start )) s (exit $$status)"; exit $$status

## bench: ingest, live-stream latency and memory against floors measured in the same run, the
## runs list, the Ticket Audit and Code Audit exports, Code Audit reconciliation against git blame,
## probe and health latency under 100 concurrent clients, a retention prune of 1M events during
## live ingest, then
## the live viewer in Chromium (1M stored events, a 5,000 lines/s live run; e2e/bench/results.txt)
bench: chromium e2e-deps build
	cargo bench --profile dev --bench core
	cargo bench --profile dev --bench runs
	cargo bench --profile dev --bench audit
	cargo bench --profile dev --bench code_audit
	cargo bench --profile dev --bench health
	cargo bench --profile dev --bench retention
	cd e2e && MERGELOOM_BIN=$(CURDIR)/$(BIN) npx playwright test -c bench/playwright.bench.config.ts

## openapi: regenerate backend/openapi.json and the frontend's generated types
openapi: backend frontend-deps
	$(BIN) openapi > backend/openapi.json
	cd frontend && npm run gen:api

## schema: regenerate backend/src/schema.rs from the migrations
schema:
	MERGELOOM_WRITE_SCHEMA=1 cargo test --lib committed_schema_matches_the_migrations

clean:
	cargo clean
	rm -rf frontend/dist frontend/node_modules e2e/node_modules backend/tests/cli-tools/node_modules
