# sitmap: make run | make test | make build | make bench | make fuzz | make assets
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
# The style-spec validator the style tests run, pinned in its package-lock.json.
STYLESPEC := web/testdata/stylespec

.PHONY: run build test deps imports bench bench-peers peers fuzz assets generate clean

run: build
	./bin/sitmap serve --db data/sitmap.db

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/sitmap ./cmd/sitmap

test: deps imports
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) test -race -timeout 25m ./...
	# The HTTP suite (GDAL included) again on PostGIS; the browser and the
	# 222,000-feature tile test stay on the embedded store.
	SITMAP_TEST_BACKEND=postgis $(GO) test -race -timeout 15m -skip 'TestPage|TestTiles_WorkloadSize' ./web

# deps installs what the tests need when it is missing and we may (root on
# Debian); otherwise it says what is missing and the tests that need it fail
# with an install hint.
# The Debian packages the tests drive: a real browser, GDAL's clients and
# Python bindings, PROJ's cs2cs (the CRS conversions are checked against
# it), PostgreSQL with PostGIS, QGIS's Python bindings, and npm for the
# MapLibre style-spec validator. Only the missing ones are installed: a
# machine whose node comes from elsewhere keeps it.
deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v ogrinfo >/dev/null 2>&1 || missing="$$missing gdal-bin"; \
	command -v cs2cs >/dev/null 2>&1 || missing="$$missing proj-bin"; \
	[ -f /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py ] || missing="$$missing python3-gdal"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || missing="$$missing postgis"; \
	/usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 || missing="$$missing python3-qgis"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "missing:$$missing (install with: apt-get install$$missing); the tests that need them will fail"; \
	fi
	@if [ ! -d $(STYLESPEC)/node_modules ] && command -v npm >/dev/null 2>&1; then \
		npm --prefix $(STYLESPEC) ci --no-audit --no-fund >/dev/null; \
	fi

# generate rebuilds the FlatGeobuf code (committed) from its schema with
# Debian's flatc; nothing else needs flatc.
generate:
	@command -v flatc >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq flatbuffers-compiler >/dev/null; }
	$(GO) generate ./internal/formats/flatgeobuf

# imports enforces the one-way flow cmd -> web -> internal/store -> geo.
imports:
	@bad=$$($(GO) list -deps ./geo | grep 'sitmap/sitmap/' | grep -v '/geo$$'); \
	if [ -n "$$bad" ]; then echo "geo must not import: $$bad"; exit 1; fi; \
	bad=$$($(GO) list -deps ./internal/store/... | grep -E 'sitmap/sitmap/(web|cmd|internal/dataset)'); \
	if [ -n "$$bad" ]; then echo "internal/store must not import: $$bad"; exit 1; fi; \
	bad=$$($(GO) list -deps ./web/... | grep -E 'sitmap/sitmap/internal/store/(bunt|postgis)$$'); \
	if [ -n "$$bad" ]; then echo "web must not import a backend: $$bad"; exit 1; fi; \
	bad=$$($(GO) list -deps ./web/api | grep -E 'sitmap/sitmap/web/' | grep -v '/web/api$$'); \
	if [ -n "$$bad" ]; then echo "web/api must not import another web package: $$bad"; exit 1; fi; \
	bad=$$($(GO) list -deps ./web/query ./web/tileapi | grep -E 'sitmap/sitmap/web$$'); \
	if [ -n "$$bad" ]; then echo "web's sub-packages must not import web: $$bad"; exit 1; fi; \
	bad=$$($(GO) list -deps ./internal/tiles | grep -E '^net/http$$|sitmap/sitmap/(web|internal/store/(bunt|postgis))$$'); \
	if [ -n "$$bad" ]; then echo "internal/tiles must not import: $$bad"; exit 1; fi; \
	bad=$$($(GO) list -deps ./internal/crs | grep -v '/internal/crs$$' | grep '\.'); \
	if [ -n "$$bad" ]; then echo "internal/crs must import only the standard library: $$bad"; exit 1; fi; \
	for p in assets internal/gzpool internal/par internal/peerbench/ceiling; do \
		bad=$$($(GO) list -deps ./$$p | grep 'sitmap/sitmap/' | grep -v "/$$p$$"); \
		if [ -n "$$bad" ]; then echo "$$p must import no sitmap package: $$bad"; exit 1; fi; \
	done; \
	bad=$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./internal/par ./internal/peerbench/ceiling | grep -v 'sitmap/sitmap/'); \
	if [ -n "$$bad" ]; then echo "internal/par and the ceiling must import only the standard library: $$bad"; exit 1; fi; \
	bad=$$($(GO) list -deps ./internal/store/storebench ./internal/store/storetest | grep -E 'sitmap/sitmap/(web|cmd|internal/store/(bunt|postgis))$$'); \
	if [ -n "$$bad" ]; then echo "the store suites must import no backend: $$bad"; exit 1; fi

# bench prints the figures the issues ask for: store import and bbox query
# times, tile render times, and load tests from a second process (wrk);
# -p 1 keeps packages from benchmarking at the same time on the same cores.
bench: deps
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# fuzz runs each fuzz target for FUZZTIME with FUZZPARALLEL workers (the
# machine is shared) and says how long it ran; new failing inputs land in
# the package's testdata/fuzz/<target>/, where plain `go test` replays them.
# Go 1.26 can end a clean run with a bare "context deadline exceeded" at the
# fuzztime boundary (golang/go#75804, fixed in Go 1.27): without a failing
# input written, that is reported and not counted as a finding.
FUZZTIME ?= 30s
FUZZPARALLEL ?= 1
FUZZ_TARGETS := ./geo:FuzzFeatureRoundTrip ./geo:FuzzParseBBox ./geo:FuzzParseDatetime ./geo:FuzzRender ./web:FuzzQueryString
fuzz:
	@total=0; log=$$(mktemp); for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; dir=$$pkg/testdata/fuzz/$$fn; \
		before=$$(ls $$dir 2>/dev/null | wc -l); start=$$(date +%s); \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -parallel $(FUZZPARALLEL) $$pkg > $$log 2>&1; rc=$$?; \
		took=$$(( $$(date +%s) - start )); total=$$(( total + took )); \
		execs=$$(grep -o 'execs: [0-9]*' $$log | tail -1); \
		if [ $$rc -ne 0 ]; then \
			if [ "$$(ls $$dir 2>/dev/null | wc -l)" = "$$before" ] && grep -q 'context deadline exceeded' $$log; then \
				echo "fuzz: $$fn: Go's fuzztime-boundary race (golang/go#75804), no failing input: not a finding"; \
			else cat $$log; rm -f $$log; echo "fuzz: $$fn in $$pkg FAILED; the input is in $$dir"; exit 1; fi; \
		fi; \
		echo "fuzz: $$fn in $$pkg ran $${took} s, $$execs (FUZZTIME=$(FUZZTIME), $(FUZZPARALLEL) worker(s))"; \
	done; rm -f $$log; echo "fuzz: $(words $(FUZZ_TARGETS)) targets, $${total} s in all"

# The servers make bench-peers compares with, built with the Go toolchain
# at the pinned versions listed in internal/peerbench/build-peers.sh, into
# bin/peers. PEERS_SRC may name a folder of source trees (pg_tileserv/,
# tile38-server/) for versions the module proxy does not serve.
PEERS_BIN ?= $(CURDIR)/bin/peers
PEERS_SRC ?=
# PEERS_BASELINE may name another sitmap binary (say, main's) to run in the
# same table, on a database of its own: before and after in one run.
PEERS_BASELINE ?=

peers:
	@GO=$(GO) sh internal/peerbench/build-peers.sh $(PEERS_BIN) $(PEERS_SRC)

# bench-peers loads the 222,000-feature workload into sitmap (PostGIS and
# embedded), pg_featureserv + pg_tileserv (ogr2ogr into the same cluster),
# Tile38 and a static ceiling, runs wrk -t2 -c16 20 s x 3 rounds and the
# tile passes against each, and prints one side-by-side table.
bench-peers: deps peers
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
	PEERS_BIN=$(PEERS_BIN) PEERS_BASELINE=$(PEERS_BASELINE) $(GO) test -run '^$$' -bench BenchmarkPeers -benchtime 1x -timeout 90m -v ./internal/peerbench

# assets refreshes the vendored front-end files and the basemap from npm
# (pinned in package-lock.json); the results are committed, so run needs no npm.
assets:
	npm --prefix assets ci && node assets/vendor.mjs
	npm --prefix assets/basemap/src ci && node assets/basemap/src/build.mjs
	node assets/styles/build.mjs

clean:
	rm -rf bin
