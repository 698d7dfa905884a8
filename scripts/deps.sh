#!/usr/bin/env bash
# Installs the Debian packages that tests run for real — rsyslog (the
# forwarding test's collector), chromium at /usr/bin/chromium with the
# DejaVu fonts the page names (the plot and page tests) and
# qemu-user-static (the ARM test runs) and victoria-metrics (the fleet
# test's InfluxDB line protocol database) — when we are root and they are
# missing; and VictoriaLogs (the fleet test's Loki and OTLP database),
# built from its Go module at a pinned version into ~/.cache/gwlog/bin,
# root or not. Tests never install anything themselves: without them,
# those that need one skip with a reason.
set -uo pipefail

# VictoriaLogs has no Debian package: go install, pinned, kept between
# runs (a rebuild only when the pin changes).
vl_version=v1.52.2
vl_dir="${HOME}/.cache/gwlog/bin"
if [ "$(cat "$vl_dir/victoria-logs.version" 2>/dev/null)" != "$vl_version" ] || [ ! -x "$vl_dir/victoria-logs" ]; then
	echo "deps: building victoria-logs $vl_version into $vl_dir"
	mkdir -p "$vl_dir"
	if GOBIN="$vl_dir" CGO_ENABLED=0 "${GO:-go}" install "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$vl_version" >/dev/null 2>&1; then
		echo "$vl_version" >"$vl_dir/victoria-logs.version"
	else
		echo "deps: could not build victoria-logs $vl_version; the fleet test that needs it will skip"
	fi
fi

want=()
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || want+=(rsyslog)
[ -x /usr/bin/chromium ] || want+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || want+=(fonts-dejavu-core)
command -v qemu-arm-static >/dev/null 2>&1 || want+=(qemu-user-static)
command -v victoria-metrics >/dev/null 2>&1 || want+=(victoria-metrics)
if [ ${#want[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: not root (or no apt-get): ${want[*]} missing; the tests that need them will skip"
	exit 0
fi
echo "deps: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || echo "deps: apt-get update failed"
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null || echo "deps: could not install ${want[*]}; the tests that need them will skip"
exit 0
