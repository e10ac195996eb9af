#!/bin/sh
# build-peers.sh BIN [SRC]: builds the servers make bench-peers compares
# with into BIN, with the Go toolchain, at pinned versions. Each comes from
# the Go module proxy (go get in a scratch module, then go build: plain
# go install stops where the proxy will not list a module's versions); if
# the proxy does not serve that version, from SRC/NAME, a source tree of
# the same version, when given. A peer that cannot be built is reported
# and its row of the table stays empty.
set -u
bin=$1
src=${2:-}
GO=${GO:-go}
mkdir -p "$bin"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# name  module  version  package  (the versions are the git tags; Tile38
# tags lack the v that the module proxy needs)
while read -r name module version pkg; do
	[ -x "$bin/$name" ] && continue
	dir="$scratch/$name"
	mkdir -p "$dir"
	if (cd "$dir" && $GO mod init scratch >/dev/null 2>&1 &&
		GOFLAGS=-mod=mod $GO get "$module@$version" >/dev/null 2>&1 &&
		GOFLAGS=-mod=mod $GO build -o "$bin/$name" "$module$pkg"); then
		echo "built $name $version from the module proxy"
		continue
	fi
	if [ -n "$src" ] && [ -d "$src/$name" ]; then
		if (cd "$src/$name" && $GO build -o "$bin/$name" ".$pkg"); then
			echo "built $name from $src/$name (the module proxy does not serve $version)"
			continue
		fi
	fi
	echo "bench-peers: $name $version could not be built (the module proxy does not serve it; set PEERS_SRC to a source tree)"
done <<'LIST'
pg_featureserv github.com/CrunchyData/pg_featureserv v1.3.1
pg_tileserv github.com/CrunchyData/pg_tileserv v1.0.11
tile38-server github.com/tidwall/tile38 v1.37.0 /cmd/tile38-server
LIST
