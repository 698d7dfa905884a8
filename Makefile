# gwlog — see README.md. `make run` and `make test` work on a fresh machine
# with Go installed; everything else they need they fetch themselves.

export PATH := $(PATH):/usr/local/go/bin
GO       ?= go
FUZZTIME ?= 2s

PREFIX   ?= /usr
DESTDIR  ?=

.PHONY: run build install test deps unit fuzz bench fmt lint tidy generate check-generate cross test-cross

## deps: Debian packages the tests use for real, installed when root
deps:
	@scripts/deps.sh

## run: gwlogd on the embedded default config with the demo gateway
##      (read back with: curl '127.0.0.1:8514/streams/debug?n=20')
##      gwlogd is built, then run in make's place, so that Ctrl-C stops it
##      cleanly (it flushes and exits 0) rather than failing go run
run: build
	exec bin/gwlogd -demo

## build: bin/gwlogd and bin/gwlog for this machine
build:
	$(GO) build -o bin/ ./cmd/gwlogd ./cmd/gwlog

## install: gwlogd into $(DESTDIR)$(PREFIX)/sbin, gwlog into .../bin, the
##          configs into $(DESTDIR)/etc/gwlog (an existing prod.cfg is kept)
##          and the systemd unit into $(DESTDIR)$(PREFIX)/lib/systemd/system
install: build
	install -D -m 0755 bin/gwlogd $(DESTDIR)$(PREFIX)/sbin/gwlogd
	install -D -m 0755 bin/gwlog $(DESTDIR)$(PREFIX)/bin/gwlog
	install -D -m 0644 etc/log.cfg $(DESTDIR)/etc/gwlog/log.cfg
	test -e $(DESTDIR)/etc/gwlog/prod.cfg || install -D -m 0644 etc/prod.cfg $(DESTDIR)/etc/gwlog/prod.cfg
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/sbin/gwlogd|$(PREFIX)/sbin/gwlogd|' etc/gwlogd.service >$(DESTDIR)$(PREFIX)/lib/systemd/system/gwlogd.service

## test: vet, unit tests (plain and under the race detector), bounded
##       fuzzing, the bench module's build and its table parser, and the
##       tests under qemu-user (test-cross)
test: deps lint check-generate unit fuzz test-cross
	cd bench && $(GO) vet ./... && $(GO) test ./cmd/...

## cross: gwlogd and gwlog for linux/arm GOARM=5/6/7, arm64 and mipsle into
##        dist/ with a table of sizes; fails when gwlogd-linux-arm7 outgrows
##        cross/budget.txt or links a module it does not list
cross:
	GO=$(GO) cross/build.sh

## test-cross: go test -short for GOARM=7 under qemu-user, and for GOARM=5
##             and arm64 of the packages below the root package,
##             then gwlogd's memory under qemu (cross/rss.sh); qemu comes
##             from make deps, else the run skips saying why
test-cross: deps
	GO=$(GO) cross/test.sh

## unit: the plain run (allocation counts, heap bounds) and the race run
unit:
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 ./...

## fuzz: every fuzz target for FUZZTIME (default 2s) each
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh

## bench: gwlog side by side with zerolog, zap and slog; prints a table;
##        with it, bench/quiet.sh: device bytes per log byte of a quiet
##        gateway on a fresh ext4 (a loop device when root)
bench:
	cd bench && GO=$(GO) ./run.sh

## generate: the msgp codecs (go tool msgp, pinned in go.mod)
generate:
	$(GO) generate ./...

## check-generate: regenerate and fail when the committed code differs
check-generate: generate
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		git diff --exit-code -- '*_gen.go' || { echo "generated code is stale: run make generate and commit it"; exit 1; }; \
	else echo "check-generate: not a git checkout, nothing to compare"; fi

fmt:
	gofmt -w .

## lint: gofmt, go vet, tidy modules
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
