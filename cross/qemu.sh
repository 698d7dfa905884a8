# shellcheck shell=bash
# Sourced by cross/test.sh and cross/rss.sh: finds qemu-user, installing
# it when it is missing and we may.

# need_qemu NAME sets qemu to the path of qemu-NAME-static (NAME is arm or
# aarch64). When it is missing and we are root on a system with apt-get,
# it installs Debian's qemu-user-static first. It returns 1, with the
# reason on stderr, when qemu cannot be had, so that the caller can skip;
# it exits 1 when an install that should have worked fails.
need_qemu() {
	local bin="qemu-$1-static"
	qemu=$(command -v "$bin" || true)
	if [ -n "$qemu" ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "cross: skipped: $bin is missing and we are not root to install it (apt-get install qemu-user-static)" >&2
		return 1
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "cross: skipped: $bin is missing and there is no apt-get to install it (install qemu-user-static)" >&2
		return 1
	fi
	echo "cross: installing qemu-user-static (for $bin)" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null 2>&1; then
		# A fresh machine may have no package lists yet.
		apt-get update -qq >&2 || { echo "cross: apt-get update failed" >&2; exit 1; }
		apt-get install -y -qq --no-install-recommends qemu-user-static >&2 ||
			{ echo "cross: apt-get install qemu-user-static failed" >&2; exit 1; }
	fi
	qemu=$(command -v "$bin" || true)
	if [ -z "$qemu" ]; then
		echo "cross: qemu-user-static is installed but has no $bin" >&2
		exit 1
	fi
}
