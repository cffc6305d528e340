#!/bin/sh
# batch-config.sh - read the monthly batch's configuration as data.
#
# usage: batch-config.sh [CONFIG]
#
# Prints every setting as "key<TAB>value", one per line, in the order of
# the defaults file (scripts/batch.conf beside this script), with the
# values of CONFIG, when given, over the defaults.  Each line of a file
# is blank, a comment starting with '#', or "key = value" (spaces around
# the '=' and at the ends are dropped; the value may be empty and may
# hold '=' or '#').  The file is never run as a script.  A line of
# another shape, or a key the defaults file does not know, is an error
# naming the file and line (exit 1).
set -eu

defaults="$(dirname "$0")/batch.conf"

die() {
	echo "batch-config.sh: $*" >&2
	exit 1
}

[ "$#" -le 1 ] || {
	echo "batch-config.sh: at most one configuration file" >&2
	echo "usage: batch-config.sh [CONFIG]" >&2
	exit 2
}
[ -r "$defaults" ] || die "$defaults: cannot read the defaults file"
config="${1:-$defaults}"
if [ ! -f "$config" ] || [ ! -r "$config" ]; then
	die "$config: no such readable configuration file"
fi

awk -v defaults="$defaults" '
	function trim(s) {
		sub(/^[ \t]+/, "", s)
		sub(/[ \t]+$/, "", s)
		return s
	}
	FNR == 1 { in_defaults = (FILENAME == defaults && NR == FNR) }
	{ sub(/\r$/, "") }
	/^[ \t]*(#|$)/ { next }
	{
		equals = index($0, "=")
		key = trim(substr($0, 1, equals - 1))
		if (equals == 0 || key !~ /^[a-z][a-z0-9_]*$/) {
			printf "batch-config.sh: %s:%d: expected \"key = " \
			    "value\", got \"%s\"\n", FILENAME, FNR, $0 \
			    > "/dev/stderr"
			failed = 1
			exit 1
		}
		if (in_defaults) {
			if (!(key in value))
				order[++n_keys] = key
		} else if (!(key in value)) {
			printf "batch-config.sh: %s:%d: unknown key \"%s\"\n",
			    FILENAME, FNR, key > "/dev/stderr"
			failed = 1
			exit 1
		}
		value[key] = trim(substr($0, equals + 1))
	}
	END {
		if (failed)
			exit 1
		for (i = 1; i <= n_keys; i++)
			printf "%s\t%s\n", order[i], value[order[i]]
	}
' "$defaults" "$config"
