#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 5s).
# Crashers land in the package's testdata/fuzz and fail the run; commit
# them as regression cases once fixed.
set -euo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
cd "$(dirname "$0")/.."
for pkg in $($GO list ./...); do
	for target in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "fuzz: $pkg $target ($FUZZTIME)"
		$GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s "$pkg" >/tmp/gwlog-fuzz.log 2>&1 || {
			cat /tmp/gwlog-fuzz.log
			exit 1
		}
	done
done
