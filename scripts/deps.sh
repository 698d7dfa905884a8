#!/usr/bin/env bash
# Installs the Debian packages that tests run for real — rsyslog (the
# forwarding test's collector), chromium at /usr/bin/chromium with the
# DejaVu fonts the page names (the plot and page tests) and
# qemu-user-static (the ARM test runs) — when we are root and they are
# missing. Tests never install anything themselves: without root, those
# that need a package skip with a reason.
set -uo pipefail
want=()
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || want+=(rsyslog)
[ -x /usr/bin/chromium ] || want+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || want+=(fonts-dejavu-core)
command -v qemu-arm-static >/dev/null 2>&1 || want+=(qemu-user-static)
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
