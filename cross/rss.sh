#!/usr/bin/env bash
# Memory on the device: runs gwlogd, built for linux/arm GOARM=7, under
# qemu-arm-static with the demo gateway at 200× pace and a 16 MiB RAM cap
# for DURATION seconds (default 40), sampling every second its resident
# set and, from its API, how much of its rings it has written to. It
# passes when
#
#   * RSS never exceeds ram_cap + 12 MiB;
#   * memory besides the rings (RSS minus the ring bytes written to so
#     far) is flat: the largest sample of the last third is within 2 MiB
#     of the largest of the middle third, plus what the rings grew by
#     between the two (the garbage collector lets the heap run ahead of
#     what it holds in proportion to it, rings included). Plain RSS rises
#     until every ring has filled, which at this pace takes minutes for
#     EventLog and error, so it is printed but not judged;
#   * SIGTERM at the end stops gwlogd with exit status 0.
#
# Under qemu-user the process we start is qemu running the guest program:
# its VmRSS is the guest's pages plus qemu's own (the emulator, its
# translated code and tables: about 27 MiB, whatever gwlogd does). RSS here
# is the guest's pages, what gwlogd would have resident on a board: the
# Rss of the mappings in the guest's 4 GiB address space, which qemu
# places at host address 0, from /proc/PID/smaps. qemu's VmRSS is printed
# beside it.
#
# Environment: DURATION (seconds), GO; GOMEMLIMIT, GOGC and GODEBUG are
# passed on to gwlogd.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
source cross/qemu.sh

duration=${DURATION:-40}
ram_cap_mib=16
limit_mib=$((ram_cap_mib + 12))
flat_mib=2

if ! need_qemu arm; then
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/gwlogd
log=$work/gwlogd.log
CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 \
	"$GO" build -trimpath -ldflags="-s -w" -o "$bin" ./cmd/gwlogd

echo "cross: rss: gwlogd -demo -demo-rate 200 -ram-cap ${ram_cap_mib}MiB under $(basename "$qemu") for ${duration}s" \
	"(GOMEMLIMIT=${GOMEMLIMIT:-unset}, GOGC=${GOGC:-unset})"
# timeout sends SIGTERM at the end and, with --preserve-status, exits with
# gwlogd's own status.
timeout --preserve-status --kill-after=10 "$duration" \
	"$qemu" -cpu cortex-a7 "$bin" -demo -demo-rate 200 -ram-cap "${ram_cap_mib}MiB" -http 127.0.0.1:0 2>"$log" &
runner=$!

# gwlogd's first line names its pid: under qemu-user, the pid of the qemu
# process, which is the one to sample. Its second line names the API.
pid='' api=''
for _ in $(seq 100); do
	pid=$(sed -n "s/.*gwlogd starting pid='\([0-9]*\)'.*/\1/p" "$log")
	api=$(sed -n "s|.*serving the read-back API addr='http://\([^']*\)'.*|\1|p" "$log")
	[ -n "$pid" ] && [ -n "$api" ] && break
	kill -0 "$runner" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$pid" ] || [ -z "$api" ]; then
	echo "cross: rss: FAIL: gwlogd did not start:" >&2
	cat "$log" >&2
	exit 1
fi

# guest_kb prints the Rss of the mappings below 4 GiB, where the guest
# lives, or nothing when the guest binary is not mapped there (qemu put
# the guest elsewhere, and its pages cannot be told from qemu's).
guest_kb() {
	awk -v bin="$bin" '
		/^[0-9a-f]+-[0-9a-f]+ / { split($1, a, "-"); low = length(a[1]) <= 8; if (low && $6 == bin) seen = 1 }
		/^Rss:/ && low { kb += $2 }
		END { if (seen) print kb }' "/proc/$pid/smaps" 2>/dev/null || true
}

# ring_kb prints the kB of ring buffer gwlogd has written to, each ring's
# min(size, bytes written): a ring's pages become resident as lines first
# reach them and stay so. It reads GET /streams with bash's /dev/tcp (no
# HTTP client needed) and keeps the answer in streams.json.
ring_kb() {
	exec 3<>"/dev/tcp/${api%:*}/${api##*:}" || return 0
	printf 'GET /streams HTTP/1.0\r\nHost: %s\r\n\r\n' "$api" >&3
	timeout 5 cat <&3 >"$work/streams.json" || true
	exec 3<&-
	grep -q '"written_bytes":' "$work/streams.json" || return 0
	tr '{' '\n' <"$work/streams.json" | awk '
		match($0, /"cap":[0-9]+/) {
			size = substr($0, RSTART + 6, RLENGTH - 6) + 0
			if (match($0, /"written_bytes":[0-9]+/)) {
				w = substr($0, RSTART + 16, RLENGTH - 16) + 0
				n += w < size ? w : size
			}
		}
		END { print int(n / 1024) }'
}

# One sample a second while it runs: seconds since start, the guest's RSS,
# qemu's VmRSS and the ring bytes written to, in kB.
samples=()
start=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
	guest=$(guest_kb)
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
	ring=$(ring_kb 2>/dev/null || true)
	if [ -z "$guest" ] || [ -z "$rss" ] || [ -z "$ring" ]; then
		kill -0 "$pid" 2>/dev/null || break # it ended while we read
		[ -n "$guest" ] || { echo "cross: rss: FAIL: cannot find the guest's pages in /proc/$pid/smaps" >&2; exit 1; }
		sleep 1
		continue
	fi
	samples+=("$((SECONDS - start)) $guest $rss $ring")
	cp "$work/streams.json" "$work/last.json"
	sleep 1
done
status=0
wait "$runner" || status=$?

echo "cross: rss: samples: seconds, RSS (qemu's VmRSS) and ring bytes written to, MiB"
printf '%s\n' "${samples[@]}" |
	awk '{ printf "  %3ds %5.1f (%4.1f) %5.1f%s", $1, $2 / 1024, $3 / 1024, $4 / 1024, NR % 4 ? "" : "\n" }
		END { if (NR % 4) print "" }'
if [ -s "$work/last.json" ]; then
	echo "cross: rss: rings at the end (bytes held / ring size, lines dropped):"
	# One JSON object per stream, read without a JSON tool.
	tr '{' '\n' <"$work/last.json" | sed -n \
		's/.*"name":"\([^"]*\)".*"bytes":\([0-9]*\).*"cap":\([0-9]*\).*"drops":\([0-9]*\).*/\1 \2 \3 \4/p' |
		awk '{ printf "  %-9s %4.1f / %4.1f MiB  %8d dropped\n", $1, $2 / 1048576, $3 / 1048576, $4 }'
fi

# The verdict. For RSS and for RSS minus the rings: the peak, and the
# peaks of the middle and of the last third; and qemu's peak.
read -r n max mid last omid olast rmid rlast qmax < <(printf '%s\n' "${samples[@]}" | awk '
	{ v[NR] = $2; o[NR] = $2 - $4; r[NR] = $4; if ($3 > qmax) qmax = $3 }
	END {
		for (i = 1; i <= NR; i++) {
			if (v[i] > max) max = v[i]
			if (i > NR / 3 && i <= 2 * NR / 3) {
				mid = v[i] > mid ? v[i] : mid; omid = o[i] > omid ? o[i] : omid; rmid = r[i] > rmid ? r[i] : rmid
			}
			if (i > 2 * NR / 3) {
				last = v[i] > last ? v[i] : last; olast = o[i] > olast ? o[i] : olast; rlast = r[i] > rlast ? r[i] : rlast
			}
		}
		print NR, max + 0, mid + 0, last + 0, omid + 0, olast + 0, rmid + 0, rlast + 0, qmax + 0
	}')
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
if [ "$n" -lt 9 ]; then
	echo "cross: rss: FAIL: only $n samples; gwlogd ended early (status $status):" >&2
	tail -5 "$log" >&2
	exit 1
fi
echo "cross: rss: RSS peaks: middle third $(mib "$mid"), last third $(mib "$last"); qemu's whole process $(mib "$qmax")"
fail=0
if [ "$max" -gt $((limit_mib * 1024)) ]; then
	echo "cross: rss: FAIL: peak RSS $(mib "$max") is over ram_cap + 12 MiB = $limit_mib MiB by $(mib $((max - limit_mib * 1024)))"
	fail=1
else
	echo "cross: rss: ok: peak RSS $(mib "$max") is within ram_cap + 12 MiB = $limit_mib MiB"
fi
grown=$((rlast > rmid ? rlast - rmid : 0))
if [ "$olast" -gt $((omid + flat_mib * 1024 + grown)) ]; then
	echo "cross: rss: FAIL: memory besides the rings still grows: last third peaks at $(mib "$olast"), middle third at $(mib "$omid") (allowed: +$flat_mib MiB, and the rings' growth $(mib "$grown"))"
	fail=1
else
	echo "cross: rss: ok: memory besides the rings is flat: last third peaks at $(mib "$olast"), middle third at $(mib "$omid") (allowed: +$flat_mib MiB, and the rings' growth $(mib "$grown"))"
fi
if [ "$status" -ne 0 ]; then
	echo "cross: rss: FAIL: gwlogd exited with status $status after SIGTERM, want 0:"
	tail -5 "$log"
	fail=1
else
	echo "cross: rss: ok: SIGTERM stopped gwlogd with status 0"
fi
exit $fail
