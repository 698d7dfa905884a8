# shellcheck shell=bash
# Sourced by cross/test.sh and cross/rss.sh: finds qemu-user. It installs
# nothing: make deps (which make test and make test-cross run first)
# installs Debian's qemu-user-static when we are root.

# need_qemu NAME sets qemu to the path of qemu-NAME-static (NAME is arm or
# aarch64). It returns 1, with the reason on stderr, when qemu is missing,
# so that the caller can skip.
need_qemu() {
	local bin="qemu-$1-static"
	qemu=$(command -v "$bin" || true)
	if [ -n "$qemu" ]; then
		return 0
	fi
	echo "cross: skipped: $bin is missing (make deps installs qemu-user-static when run as root)" >&2
	return 1
}
