#!/bin/sh
# install-deps.sh - install the Debian packages that building, testing
# and running the toolchain need, if any is missing.
#
# As root it runs apt-get; otherwise it prints the apt-get line to run
# and fails, so that `make check` and `make demo` never half-work.
# The list is the one place that names the project's packages.
set -eu

packages="make gcc libc6-dev libcsv-dev liblapacke-dev libopenblas-dev
bats bats-assert bats-support mandoc shellcheck gawk jq curl gnuplot-nox
python3"

missing=""
for package in $packages; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$package" \
	    2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: missing Debian packages; as root, run:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "install-deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
