#!/usr/bin/env bash
# load.sh is a bounded load test of gwlogd's memory: it runs gwlogd, built
# from ../cmd/gwlogd, with -ram-cap 16MiB, the syslog ingest on
# 127.0.0.1 and its API on 127.0.0.1:0, for DURATION seconds (default 60)
# under
#
#   * SENDERS local syslog senders (default 4 processes of cmd/syslogsend),
#     each RATE messages/s (default 5000) of RFC 5424 and RFC 3164 over UDP,
#     one in 20 at severity err so that the error ring fills too;
#   * the demo gateway's in-process loggers at -demo-rate DEMO_RATE
#     (default 500): HTTP access lines, events, debug chatter;
#
# and samples every second gwlogd's VmRSS (/proc/PID/status) and, from its
# API, the ring bytes written to so far. A config file raises the logger
# "syslog" to INFO so that every message is kept (the minimal profile
# keeps WARNING and above). It passes when
#
#   * RSS never exceeds ram_cap + 16 MiB;
#   * memory besides the rings (RSS minus the ring bytes written to so
#     far) is flat after warm-up: the largest sample of the last third is
#     within FLAT_MIB (default 2) MiB of the largest of the middle third;
#   * SIGTERM at the end stops gwlogd with exit status 0.
#
# Rings are allocated up front but their pages become resident as lines
# first reach them, so plain RSS grows until every ring has wrapped: at
# the default pace the stream rings wrap within 40 s, the event ring
# (event_ram) takes minutes. Plain RSS's growth is printed, not judged.
#
# It prints the samples, the verdict and one benchmark-format line,
# BenchmarkLoad/gwlogd, for cmd/benchtable. Traffic goes to 127.0.0.1
# only. Environment: DURATION, SENDERS, RATE, DEMO_RATE, FLAT_MIB, GO;
# GOMEMLIMIT, GOGC and GODEBUG are passed on to gwlogd.
set -euo pipefail
cd "$(dirname "$0")"
GO=${GO:-go}

duration=${DURATION:-60}
senders=${SENDERS:-4}
rate=${RATE:-5000}
demo_rate=${DEMO_RATE:-500}
flat_mib=${FLAT_MIB:-2}
ram_cap_mib=16
limit_mib=$((ram_cap_mib + 16))

work=$(mktemp -d)
runner='' sender_pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for p in "${sender_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$runner" ]; then kill "$runner" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

(cd .. && "$GO" build -o "$work/gwlogd" ./cmd/gwlogd)
"$GO" build -o "$work/syslogsend" ./cmd/syslogsend
printf '# load.sh: every syslog message kept\n[logger.syslog]\nlevel = INFO\n' >"$work/load.cfg"

log=$work/gwlogd.log
echo "load: gwlogd -ram-cap ${ram_cap_mib}MiB -demo-rate $demo_rate for ${duration}s;" \
	"$senders syslog senders at $rate msg/s each (GOMEMLIMIT=${GOMEMLIMIT:-unset}, GOGC=${GOGC:-unset})"
# timeout sends SIGTERM at the end and, with --preserve-status, exits with
# gwlogd's own status; --kill-after bounds a gwlogd that does not stop.
timeout --preserve-status --kill-after=10 "$duration" \
	"$work/gwlogd" -config "$work/load.cfg" -ram-cap "${ram_cap_mib}MiB" \
	-syslog 127.0.0.1:0 -http 127.0.0.1:0 -demo -demo-rate "$demo_rate" 2>"$log" &
runner=$!

# gwlogd's start-up lines name its pid, its API and its ingest address.
pid='' api='' ingest=''
for _ in $(seq 100); do
	pid=$(sed -n "s/.*gwlogd starting pid='\([0-9]*\)'.*/\1/p" "$log")
	api=$(sed -n "s|.*serving the read-back API addr='http://\([^']*\)'.*|\1|p" "$log")
	ingest=$(sed -n "s|.*syslog ingest udp='\([^']*\)'.*|\1|p" "$log")
	[ -n "$pid" ] && [ -n "$api" ] && [ -n "$ingest" ] && break
	kill -0 "$runner" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$pid" ] || [ -z "$api" ] || [ -z "$ingest" ]; then
	echo "load: FAIL: gwlogd did not start:" >&2
	cat "$log" >&2
	exit 1
fi
case $ingest in
127.0.0.1:*) ;;
*) echo "load: FAIL: the ingest listens on $ingest, not on 127.0.0.1" >&2; exit 1 ;;
esac

# The senders stop two seconds before gwlogd, so that the last samples
# see the load.
send_s=$((duration > 4 ? duration - 2 : duration))
for i in $(seq "$senders"); do
	timeout --kill-after=5 $((send_s + 5)) "$work/syslogsend" -addr "$ingest" -rate "$rate" \
		-duration "${send_s}s" -errors 20 >"$work/sender.$i.json" &
	sender_pids+=($!)
done

# ring_kb prints the kB of ring buffer gwlogd has written to, from GET
# /stats read with bash's /dev/tcp (no HTTP client needed): each stream
# ring's min(size, bytes written) and the bytes the event ring holds. A
# ring's pages become resident as lines first reach them and stay so.
ring_kb() {
	exec 3<>"/dev/tcp/${api%:*}/${api##*:}" || return 0
	printf 'GET /stats HTTP/1.0\r\nHost: %s\r\n\r\n' "$api" >&3
	timeout 5 cat <&3 >"$work/stats.json" || true
	exec 3<&-
	grep -q '"written_bytes":' "$work/stats.json" || return 0
	tr '{' '\n' <"$work/stats.json" | awk '
		match($0, /"cap":[0-9]+/) {
			size = substr($0, RSTART + 6, RLENGTH - 6) + 0
			if (match($0, /"written_bytes":[0-9]+/)) {
				w = substr($0, RSTART + 16, RLENGTH - 16) + 0
				n += w < size ? w : size
			} else if (match($0, /"last_seq":/) && match($0, /"bytes":[0-9]+/)) {
				n += substr($0, RSTART + 8, RLENGTH - 8) + 0 # the event ring
			}
		}
		END { print int(n / 1024) }'
}

# One sample a second while gwlogd runs: seconds since start, VmRSS and
# ring bytes written to, in kB.
samples=()
start=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
	ring=$(ring_kb 2>/dev/null || true)
	if [ -n "$rss" ] && [ -n "$ring" ]; then
		samples+=("$((SECONDS - start)) $rss $ring")
		cp "$work/stats.json" "$work/last.json"
	fi
	sleep 1
done
status=0
wait "$runner" || status=$?
runner=''
sent=0
for p in "${sender_pids[@]}"; do wait "$p" || true; done
sender_pids=()
for i in $(seq "$senders"); do
	n=$(sed -n 's/.*"sent":\([0-9]*\).*/\1/p' "$work/sender.$i.json")
	sent=$((sent + ${n:-0}))
done

echo "load: samples: seconds, RSS and RSS minus the ring bytes written to, MiB"
printf '%s\n' "${samples[@]}" |
	awk '{ printf "  %3ds %5.1f %5.1f%s", $1, $2 / 1024, ($2 - $3) / 1024, NR % 4 ? "" : "\n" }
		END { if (NR % 4) print "" }'
if [ -s "$work/last.json" ]; then
	echo "load: rings at the end (bytes held / ring size, lines written, dropped):"
	tr '{' '\n' <"$work/last.json" | sed -n \
		's/.*"name":"\([^"]*\)".*"bytes":\([0-9]*\).*"cap":\([0-9]*\).*"written":\([0-9]*\).*"drops":\([0-9]*\).*/\1 \2 \3 \4 \5/p' |
		awk '{ printf "  %-9s %4.1f / %4.1f MiB  %9d written  %9d dropped\n", $1, $2 / 1048576, $3 / 1048576, $4, $5 }'
	tr '{' '\n' <"$work/last.json" | sed -n \
		's/.*"written":\([0-9]*\).*"evicted":\([0-9]*\).*"bytes":\([0-9]*\),"cap":\([0-9]*\).*/events \3 \4 \1 \2/p' |
		awk '{ printf "  %-9s %4.1f / %4.1f MiB  %9d written  %9d evicted\n", $1, $2 / 1048576, $3 / 1048576, $4, $5 }'
fi
echo "load: the senders sent $sent syslog messages ($((sent / (send_s > 0 ? send_s : 1))) msg/s)"

# The verdict: the peak, the peaks of the middle and the last third, of
# RSS and of RSS minus the rings.
read -r n max mid last omid olast < <(printf '%s\n' "${samples[@]}" | awk '
	{ v[NR] = $2; o[NR] = $2 - $3 }
	END {
		for (i = 1; i <= NR; i++) {
			if (v[i] > max) max = v[i]
			if (i > NR / 3 && i <= 2 * NR / 3) { mid = v[i] > mid ? v[i] : mid; omid = o[i] > omid ? o[i] : omid }
			if (i > 2 * NR / 3) { last = v[i] > last ? v[i] : last; olast = o[i] > olast ? o[i] : olast }
		}
		print NR, max + 0, mid + 0, last + 0, omid + 0, olast + 0
	}')
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
if [ "$n" -lt 9 ]; then
	echo "load: FAIL: only $n samples; gwlogd ended early (status $status):" >&2
	tail -5 "$log" >&2
	exit 1
fi
growth=$((last > mid ? last - mid : 0))
ogrowth=$((olast > omid ? olast - omid : 0))
kib2mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf 'BenchmarkLoad/gwlogd \t1\t%s peak-MiB\t%s growth-MiB\t%s other-growth-MiB\t%d limit-MiB\t%d msg/s\n' \
	"$(kib2mib "$max")" "$(kib2mib "$growth")" "$(kib2mib "$ogrowth")" "$limit_mib" "$((sent / (send_s > 0 ? send_s : 1)))"
echo "load: RSS peaks: middle third $(mib "$mid"), last third $(mib "$last") (+$(mib "$growth"), rings still filling included)"
fail=0
if [ "$max" -gt $((limit_mib * 1024)) ]; then
	echo "load: FAIL: peak RSS $(mib "$max") is over ram_cap + 16 MiB = $limit_mib MiB"
	fail=1
else
	echo "load: ok: peak RSS $(mib "$max") is within ram_cap + 16 MiB = $limit_mib MiB"
fi
if [ "$olast" -gt $((omid + flat_mib * 1024)) ]; then
	echo "load: FAIL: memory besides the rings still grows after warm-up: last third peaks at $(mib "$olast"), middle third at $(mib "$omid") (allowed: +$flat_mib MiB)"
	fail=1
else
	echo "load: ok: memory besides the rings is flat after warm-up: last third peaks at $(mib "$olast"), middle third at $(mib "$omid") (allowed: +$flat_mib MiB)"
fi
if [ "$status" -ne 0 ]; then
	echo "load: FAIL: gwlogd exited with status $status after SIGTERM, want 0:"
	tail -5 "$log"
	fail=1
else
	echo "load: ok: SIGTERM stopped gwlogd with status 0"
fi
exit $fail
