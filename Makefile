# hull: `make` builds the binary and a busybox test bundle; `make test` runs every test.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS := -X main.gitCommit=$(COMMIT)
BUNDLE := tests/bundle

.PHONY: all hull deps bundle demo test unit integration bench conformance generate clean

all: hull bundle

deps:
	@tests/deps.sh

hull: deps
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o hull .

bundle: hull
	tests/mkbundle.sh ./hull $(BUNDLE) sh -c 'echo "hostname: $$(hostname)"; id; ls /'

# build hull and run a real container from the bundle
demo: all
	./hull --root /run/hull-demo run -b $(BUNDLE) demo-$$$$

generate:
	$(GO) generate ./...

test: unit integration

unit: deps
	$(GO) vet ./...
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /integration)

integration: all
	$(GO) test -count=1 ./integration/...

bench: all
	tests/bench/run.sh

conformance: all
	tests/conformance/build.sh
	tests/conformance/run.sh

clean:
	rm -rf hull $(BUNDLE)
