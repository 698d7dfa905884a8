#!/usr/bin/env bash
# quiet.sh measures what a quiet gateway (one ~90-byte line a second) costs
# the flash: TestQuietGateway from the runtime's Open to its Close, on a
# fresh ext4 filesystem. As root it makes one on a loop device (a 512 MiB
# image in out/, inode tables and journal written at mkfs, not in the
# background), and reports the device's sectors written
# (/sys/block/loopN/stat) from mount to umount — umount writes out what
# the page cache still held — per byte of log. Otherwise the store goes in
# a directory of out/ on whatever filesystem that is (it says which), and
# only the process's write_bytes (/proc/self/io) is reported.
#
# Runs, each BENCH_QUIET_SPAN of gateway time (default 30m) sped up
# BENCH_QUIET_SPEEDUP times (default 15; 2 minutes a run): the defaults,
# then "flush = 30s". BENCH_QUIET_FLUSHES overrides the list ("default"
# is the config's own). The result lines go to out/quiet.txt.
set -euo pipefail
cd "$(dirname "$0")"
GO=${GO:-go}
mkdir -p out
: >out/quiet.txt
"$GO" test -c -o out/quiet.test .
flushes=${BENCH_QUIET_FLUSHES:-default 30s}

run() { # run FLUSH DIR: the test, its result line in out/quiet.line
	local flush=$1 dir=$2
	local env=(BENCH_QUIET_DIR="$dir" BENCH_QUIET_OUT="$PWD/out/quiet.line")
	[ "$flush" = default ] || env+=(BENCH_QUIET_FLUSH="$flush")
	env "${env[@]}" out/quiet.test -test.run '^TestQuietGateway$' -test.count 1 -test.timeout 30m >/dev/null
}

for flush in $flushes; do
	rm -f out/quiet.line
	if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null; then
		img=$PWD/out/quiet.img mnt=$PWD/out/quiet.mnt
		rm -f "$img"
		truncate -s 512M "$img"
		mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img"
		dev=$(losetup -f --show "$img")
		mkdir -p "$mnt"
		mount "$dev" "$mnt"
		blk=$(basename "$dev")
		s0=$(awk '{print $7}' "/sys/block/$blk/stat")
		ok=0
		run "$flush" "$mnt" && ok=1
		umount "$mnt"
		s1=$(awk '{print $7}' "/sys/block/$blk/stat")
		losetup -d "$dev"
		rm -f "$img"
		[ $ok = 1 ] || { echo "quiet.sh: the run with flush $flush failed" >&2; exit 1; }
		read -r logb <<<"$(sed 's/.*log_bytes=\([0-9]*\).*/\1/' out/quiet.line)"
		devb=$(((s1 - s0) * 512))
		printf '%s fs=ext4-loop device_bytes=%d device_amp=%.2f\n' "$(tr -d '\n' <out/quiet.line)" "$devb" \
			"$(awk -v a="$devb" -v b="$logb" 'BEGIN{print a/b}')" | tee -a out/quiet.txt
	else
		dir=$(mktemp -d "$PWD/out/quiet.XXXXXX")
		fs=$(stat -f -c %T "$dir")
		echo "quiet.sh: not root (or no losetup): the store goes in $dir on $fs, and only the process's write_bytes is measured" >&2
		run "$flush" "$dir" || { rm -rf "$dir"; echo "quiet.sh: the run with flush $flush failed" >&2; exit 1; }
		rm -rf "$dir"
		printf '%s fs=%s\n' "$(tr -d '\n' <out/quiet.line)" "$fs" | tee -a out/quiet.txt
	fi
done
