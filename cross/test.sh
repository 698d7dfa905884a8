#!/usr/bin/env bash
# make test-cross: runs the module's tests (-short) as linux/arm GOARM=7
# programs, and those below the root package as linux/arm GOARM=5 and
# linux/arm64 programs, under qemu-user, then the
# memory test on the device (cross/rss.sh). qemu-user-static comes from
# make deps; without it the run is skipped with the reason, and exits 0.
#
# qemu emulates a CPU of each generation, so that an instruction the
# target does not have fails here rather than on a gateway: an ARM926
# (ARMv5TE, no VFP, no LDREX) for GOARM=5, a Cortex-A7 for GOARM=7 and a
# Cortex-A53 for arm64.
#
# Without binfmt_misc (containers, most CI runners) the host cannot start
# a foreign binary by itself, so a test that runs its own binary again
# (os.Args[0], as crash tests do) must start it through the emulator:
# GWLOG_QEMU holds its path during these runs, and QEMU_CPU is inherited.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
source cross/qemu.sh

# name, qemu, CPU, packages and environment of each target. The Cortex-A7
# (GOARM=7), the gateways' CPU, runs every package; the ARM926 and the
# Cortex-A53 run all but the root package, whose gateway-level tests
# (crash rounds, disk faults, floods: the slowest under emulation, and the
# same Go code as on the A7) would take another three and a half minutes
# of make test. What differs between the three (soft float, atomics
# without LDREX, 64-bit) is exercised by the packages below it.
targets=(
	"arm5  arm     arm926     below GOARCH=arm GOARM=5"
	"arm7  arm     cortex-a7  all   GOARCH=arm GOARM=7"
	"arm64 aarch64 cortex-a53 below GOARCH=arm64"
)
root=$("$GO" list .)

results=()
fail=0
for t in "${targets[@]}"; do
	read -r name arch cpu which vars <<<"$t"
	if ! need_qemu "$arch"; then
		results+=("$(printf '%-6s %-9s %s' "$name" skipped "qemu-$arch-static missing")")
		continue
	fi
	pkgs=(./...)
	if [ "$which" = below ]; then
		mapfile -t pkgs < <("$GO" list ./... | grep -vxF "$root")
	fi
	echo "cross: go test -short ($which) as linux $vars under $(basename "$qemu") -cpu $cpu"
	start=$SECONDS
	status=ok
	# $vars is split on purpose: one word per variable.
	# shellcheck disable=SC2086
	if ! env CGO_ENABLED=0 GOOS=linux $vars QEMU_CPU="$cpu" GWLOG_QEMU="$qemu" \
		"$GO" test -exec "$qemu" -short -count=1 "${pkgs[@]}"; then
		status=FAIL
		fail=1
	fi
	results+=("$(printf '%-6s %-9s %4ds' "$name" "$status" $((SECONDS - start)))")
done

echo "cross: tests under qemu-user:"
printf '  %s\n' "${results[@]}"

cross/rss.sh || fail=1
exit $fail
