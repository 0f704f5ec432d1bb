# Dialtone developer tasks. `make test` is what CI runs (with -race).
GO ?= go
STATICCHECK_VERSION ?= v0.8.2

.PHONY: run test bench lint docs build

run: ## start the server on the embedded defaults (SQLite in ./dialtone-data, sandbox carrier)
	$(GO) run ./cmd/dialtone serve

build:
	$(GO) build -o dialtone ./cmd/dialtone

test: ## every test, with the race detector
	$(GO) test -race ./...

bench: ## the API benchmarks recorded in docs/BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchtime 3s ./bench/

lint: ## formatting, vet and staticcheck
	@test -z "$$(gofmt -l .)" || (echo "gofmt would change:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

docs: ## regenerate docs/errors.md from the error catalogue
	$(GO) test ./internal/api/ -run TestErrorsMarkdownIsFresh -update
