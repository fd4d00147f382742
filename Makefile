# hull: `make` builds the binary and a busybox test bundle; `make test` runs every test.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null)
# static: the init stage is a re-exec of this binary, and a static one skips
# ld.so and the shared libraries on every container start
# (and threads musl creates get 1 MiB stacks, not musl's 128 KiB: cgo calls
# into libseccomp run on them)
LDFLAGS := -X main.gitCommit=$(COMMIT) -linkmode external -extldflags '-static -Wl,-z,stack-size=1048576'
TAGS := urfave_cli_no_docs,osusergo,netgo
# Go 1.26's default GC keeps each small-object span's mark bits inside the
# span, so a fresh span faults in both of its pages; a short-lived command
# allocates from dozens of fresh spans and never collects (measured on `run`,
# 40 alternated rounds of two fresh builds: -26 page faults, -0.5 ms CPU with
# the previous collector)
HULL_GOEXPERIMENT := nogreenteagc
BUNDLE := tests/bundle

.PHONY: all hull deps bundle demo test unit integration cgroup2 bench conformance engines generate clean

all: hull bundle

deps:
	@tests/deps.sh

# hull links with musl, not glibc: each start of a static glibc binary probes
# the CPU with dozens of cpuid instructions (each traps to the hypervisor in a
# VM), sets up ifuncs and per-thread malloc arenas, and hull starts twice per
# container (the command, then `hull init`). Measured on `run` of /bin/true,
# 40 alternated rounds: -5 ms CPU, -55 page faults; `list` -1.7 ms.
# musl's headers lack the kernel's, and the static libseccomp is Debian's
# (its one glibc-only symbol is in nsenter/libc_compat.c).
MUSL := build/musl
MULTIARCH = $(shell gcc -print-multiarch)
MUSL_ENV := CC=musl-gcc CGO_CFLAGS="-isystem $(CURDIR)/$(MUSL)/include -O2 -g" CGO_LDFLAGS="-L$(CURDIR)/$(MUSL)/lib"

hull: deps $(MUSL)/.ready
	$(MUSL_ENV) GOEXPERIMENT=$(HULL_GOEXPERIMENT) $(GO) build -trimpath -tags $(TAGS) -ldflags "$(LDFLAGS)" -o hull .
	$(GO) build -trimpath -tags $(TAGS) -o hull-bundle ./cmd/hull-bundle

$(MUSL)/.ready: tests/deps.sh | deps
	mkdir -p $(MUSL)/include $(MUSL)/lib
	ln -sfn /usr/include/linux /usr/include/asm-generic /usr/include/$(MULTIARCH)/asm \
		/usr/include/seccomp.h /usr/include/seccomp-syscalls.h $(MUSL)/include/
	ln -sfn $$(gcc -print-file-name=libseccomp.a) $(MUSL)/lib/libseccomp.a
	for f in $(MUSL)/include/* $(MUSL)/lib/libseccomp.a; do test -e $$f || { echo "missing: $$f" >&2; exit 1; }; done
	touch $@

bundle: hull
	tests/mkbundle.sh ./hull $(BUNDLE) sh -c 'echo "hostname: $$(hostname)"; id; ls /'

# build hull and run a real container from the bundle
demo: all
	./hull --root /run/hull-demo run -b $(BUNDLE) demo-$$$$

generate:
	$(GO) generate ./...

# everything CI runs: unit, integration (cgroup v1/hybrid here), the same
# cgroup tests on a pure cgroup v2 kernel in a VM, the OCI conformance suite,
# and containerd, podman and docker running containers through hull
test: unit integration cgroup2 conformance engines

unit: deps
	$(GO) vet ./...
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /integration)

integration: all
	$(GO) test -count=1 ./integration/...

# cgroup v2 for real: test binaries built here run in a throw-away VM whose
# only hierarchy is cgroup2 (../shared/tools/cgroup2-vm)
CGROUP2_VM ?= ../shared/tools/cgroup2-vm
cgroup2: all
	mkdir -p build/v2
	$(GO) test -c -o build/v2/cgroups.test ./libcontainer/cgroups
	$(GO) test -c -o build/v2/fs2.test ./libcontainer/cgroups/fs2
	$(GO) test -c -o build/v2/devices.test ./libcontainer/cgroups/devices
	$(GO) test -c -o build/v2/integration.test ./integration
	$(CGROUP2_VM) -e HULL_BINARY=$(CURDIR)/hull -- tests/cgroup2.sh build/v2

bench: all
	tests/bench/run.sh

conformance: all
	tests/conformance/build.sh
	tests/conformance/run.sh

engines: all
	tests/engines/run.sh

clean:
	rm -rf hull hull-bundle $(BUNDLE)
