#!/bin/sh
# install-deps.sh - install the Debian packages the toolchain needs, if
# any is missing.
#
# usage: install-deps.sh [base|bench|fuzz]...
#   base   building, testing and running the monthly batch (default);
#          make check also builds and briefly runs the fuzzing harnesses
#          (clang and its libFuzzer runtime) and runs valgrind
#   bench  the other tools the benchmarks under bench/ compare against
#   fuzz   clang and its libFuzzer runtime, for `make fuzz`
#
# As root it runs apt-get; otherwise it prints the apt-get line to run
# and fails, so that `make check` and `make demo` never half-work.  This
# file is the one place that names the project's packages.
set -eu

base="make gcc libc6-dev libcsv-dev liblapacke-dev libopenblas-dev
bats bats-assert bats-support parallel mandoc shellcheck gawk jq curl
gnuplot-nox python3 libglib2.0-dev clang libclang-rt-14-dev valgrind
time"
bench="python3-sklearn python3-pandas python3-scipy python3-numpy
r-base-core datamash hyperfine"
fuzz="clang libclang-rt-14-dev"

packages=""
for profile in "${@:-base}"; do
	case $profile in
	base) packages="$packages $base" ;;
	bench) packages="$packages $bench" ;;
	fuzz) packages="$packages $fuzz" ;;
	*) echo "install-deps.sh: unknown profile '$profile'" >&2; exit 2 ;;
	esac
done

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
