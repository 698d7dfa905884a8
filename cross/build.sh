#!/usr/bin/env bash
# make cross: builds gwlogd and gwlog for the gateways' architectures into
# dist/, prints their sizes, and checks gwlogd's footprint budget in
# cross/budget.txt: its stripped size for linux/arm GOARM=7 and the list of
# modules linked into it.
#
#   cross/build.sh                  build, print sizes, check the budget
#   cross/build.sh -update-budget   build, then rewrite cross/budget.txt from
#                                   what was built (commit it with a reason)
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
# nethttpomithttp2 leaves HTTP/2 out of net/http (about 390 KB): the
# read-back API is served on loopback and webhooks post one small request,
# so HTTP/1.1 does.
TAGS=${TAGS:-nethttpomithttp2}
# Cold code is compiled without inlining, for size (as -Os would): the
# TLS stack net/http links for webhooks, JSON, fmt, the config parser,
# the HTTP read-back, forwarding (network-bound), the store and bbolt
# (whose cost is the fsync), the CLI and daemon glue; and reflect, os,
# sort, bufio, context, net, syscall and internal/poll, whose calls on
# the ingest path come once per batch of datagrams or per system call
# (a call more beside a system call). The logging path (levels, ramlog,
# eventlog, msgp, syslog, time, strconv, slog) keeps Go's inlining.
# About 500 KB less on linux/arm.
cold=(crypto/... vendor/... net/http net/textproto net/url mime/... encoding/... compress/...
	math/big fmt flag go.etcd.io/...
	reflect os os/... io/fs sort path/... bufio context log/... internal/godebug internal/bisect
	net net/netip syscall internal/poll
	github.com/gwlog/gwlog/cfg github.com/gwlog/gwlog/httplog github.com/gwlog/gwlog/forward
	github.com/gwlog/gwlog/persist github.com/gwlog/gwlog/internal/...)
gcflags=()
for p in "${cold[@]}"; do
	gcflags+=("-gcflags=$p=-l")
done

update=false
case "${1:-}" in
"") ;;
-update-budget) update=true ;;
*)
	echo "usage: cross/build.sh [-update-budget]" >&2
	exit 2
	;;
esac

# name and environment of each target. MIPS gateways (MT7621, MT7628, …)
# mostly lack an FPU, so mipsle uses software floating point rather than
# trapping into the kernel's emulator.
targets=(
	"arm5   GOARCH=arm GOARM=5"
	"arm6   GOARCH=arm GOARM=6"
	"arm7   GOARCH=arm GOARM=7"
	"arm64  GOARCH=arm64"
	"mipsle GOARCH=mipsle GOMIPS=softfloat"
)
commands=(gwlogd gwlog)

budget_file=cross/budget.txt
budget_bin=gwlogd-linux-arm7 # the binary the budget is about
ceiling=8000000              # issue 3 set 7.0 MB; issue 13 allows 8.0 MB (see cross/budget.txt)

mkdir -p dist
rm -f dist/gwlogd-linux-* dist/gwlog-linux-*
start=$SECONDS
for t in "${targets[@]}"; do
	read -r name vars <<<"$t"
	for cmd in "${commands[@]}"; do
		# $vars is split on purpose: one word per variable.
		# shellcheck disable=SC2086
		env CGO_ENABLED=0 GOOS=linux $vars \
			"$GO" build -trimpath -ldflags="-s -w" -tags "$TAGS" "${gcflags[@]}" -o "dist/$cmd-linux-$name" "./cmd/$cmd"
	done
done

printf '%-22s %-38s %10s %9s\n' binary target bytes MiB
for t in "${targets[@]}"; do
	read -r name vars <<<"$t"
	for cmd in "${commands[@]}"; do
		f="dist/$cmd-linux-$name"
		n=$(stat -c %s "$f")
		printf '%-22s %-38s %10d %9.2f\n' "${f#dist/}" "linux $vars" "$n" "$(echo "$n" | awk '{print $1/1048576}')"
	done
done
echo "cross: built ${#targets[@]} targets in $((SECONDS - start))s"

# The budget: the size of $budget_bin and the modules linked into it.
size=$(stat -c %s "dist/$budget_bin")
have=$("$GO" version -m "dist/$budget_bin" | awk '$1 == "mod" || $1 == "dep" { print $2 }' | sort)

if $update; then
	if [ "$size" -gt "$ceiling" ]; then
		echo "cross: $budget_bin is $size bytes, over the $ceiling-byte ceiling: the budget cannot be raised past it; shrink the binary" >&2
		exit 1
	fi
	# The current size with about 10% headroom, rounded up to 10 kB.
	max=$(((size * 110 / 100 + 9999) / 10000 * 10000))
	if [ "$max" -gt "$ceiling" ]; then
		max=$ceiling
	fi
	{
		echo "# Footprint budget of gwlogd, checked by 'make cross' (cross/build.sh)."
		echo "# Regenerate with 'cross/build.sh -update-budget' and commit it with the"
		echo "# reason the binary grew or the dependency is worth it."
		echo "#"
		echo "# max-size BINARY BYTES: the largest stripped size of dist/BINARY"
		echo "# (CGO_ENABLED=0, -trimpath, -ldflags='-s -w', -tags $TAGS, cold packages -l); never above $ceiling."
		echo "max-size $budget_bin $max"
		echo "#"
		echo "# module PATH: every module linked into dist/$budget_bin"
		echo "# ('go version -m dist/$budget_bin'), the main module included."
		while read -r m; do echo "module $m"; done <<<"$have"
	} >"$budget_file"
	echo "cross: wrote $budget_file: max-size $max ($budget_bin is $size bytes), $(echo "$have" | wc -l) module(s)"
	exit 0
fi

fail=0
max=$(awk -v b="$budget_bin" '$1 == "max-size" && $2 == b { print $3 }' "$budget_file" 2>/dev/null || true)
if [ -z "$max" ]; then
	echo "cross: FAIL: $budget_file has no 'max-size $budget_bin' line; run cross/build.sh -update-budget" >&2
	exit 1
fi
if [ "$max" -gt "$ceiling" ]; then
	echo "cross: FAIL: $budget_file allows $max bytes for $budget_bin, above the $ceiling-byte ceiling; lower it" >&2
	fail=1
fi
if [ "$size" -gt "$max" ]; then
	echo "cross: FAIL: dist/$budget_bin is $size bytes, $((size - max)) over its budget of $max in $budget_file." >&2
	echo "cross:       Shrink it, or, if the growth is worth it, run 'cross/build.sh -update-budget'" >&2
	echo "cross:       (at most $ceiling bytes) and commit $budget_file with the reason." >&2
	fail=1
else
	echo "cross: $budget_bin is $size bytes, within its budget of $max ($((max - size)) to spare)"
fi
# The linker starts each segment on a 64 KiB boundary, so the file grows
# in steps of 64 KiB: what is left before the next step is the least gap
# between a segment's end and the next one's start.
if command -v readelf >/dev/null; then
	gap=-1 prev_end=
	while read -r off filesz; do
		if [ -n "$prev_end" ] && { [ "$gap" -lt 0 ] || [ $((off - prev_end)) -lt "$gap" ]; }; then
			gap=$((off - prev_end))
		fi
		prev_end=$((off + filesz))
	done < <(readelf -lW "dist/$budget_bin" | awk '$1 == "LOAD" { print $2, $5 }' | while read -r o f; do echo "$((o)) $((f))"; done)
	echo "cross: $budget_bin grows by 64 KiB when a segment grows by $gap bytes more (the linker's alignment)"
fi

want=$(awk '$1 == "module" { print $2 }' "$budget_file" | sort)
added=$(comm -13 <(echo "$want") <(echo "$have"))
gone=$(comm -23 <(echo "$want") <(echo "$have"))
if [ -n "$added" ] || [ -n "$gone" ]; then
	[ -z "$added" ] || echo "cross: FAIL: $budget_bin links module(s) not listed in $budget_file: $(tr '\n' ' ' <<<"$added")" >&2
	[ -z "$gone" ] || echo "cross: FAIL: $budget_file lists module(s) $budget_bin no longer links: $(tr '\n' ' ' <<<"$gone")" >&2
	echo "cross:       Check that the change is wanted (go mod why -m MODULE), then run" >&2
	echo "cross:       'cross/build.sh -update-budget' and commit $budget_file with the reason." >&2
	fail=1
else
	echo "cross: $budget_bin links the $(echo "$have" | wc -l) module(s) listed in $budget_file"
fi
exit $fail
