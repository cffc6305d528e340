# test_helper.bash - loaded by every bats suite.
#
# Puts the programs under test first on PATH (BIN_DIR, by default the
# project's bin/; `make test-sanitize` points it at the sanitizer build),
# pins the C locale so messages and number formats do not depend on the
# machine, and gives each test a scratch directory that bats removes.

bats_require_minimum_version 1.5.0

TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(dirname "$TESTS_DIR")"
BIN_DIR="${BIN_DIR:-$PROJECT_DIR/bin}"
DATA_DIR="$TESTS_DIR/data"
# Real data and reference answers made by others live beside the project.
SHARED_DIR="${SHARED_DIR:-$PROJECT_DIR/../shared}"
export LC_ALL=C
export PATH="$BIN_DIR:$PROJECT_DIR/scripts:$PATH"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# skip_without_shared PATH: skip the test when a file of ../shared is
# missing (the project builds and tests without it).
skip_without_shared() {
	[ -e "$SHARED_DIR/$1" ] ||
		skip "$SHARED_DIR/$1 is absent (real data lives outside the project)"
}

# assert_close ACTUAL EXPECTED TOLERANCE [relative]: numbers within an
# absolute tolerance, or a relative one when the fourth argument is
# "relative".
assert_close() {
	local actual="$1" expected="$2" tolerance="$3" mode="${4:-absolute}"
	if ! awk -v a="$actual" -v e="$expected" -v t="$tolerance" \
	    -v m="$mode" 'BEGIN {
		if (a !~ /^[-+0-9.eE]+$/) exit 1
		d = a - e; if (d < 0) d = -d
		s = e; if (s < 0) s = -s
		exit !(m == "relative" ? d <= t * s : d <= t) }'; then
		fail "expected $expected within $tolerance ($mode), got '$actual'"
	fi
}

# field NAME [ROW]: the value in column NAME of data row ROW (default 1)
# of the TSV in $output.
field() {
	printf '%s\n' "$output" | awk -F '\t' -v name="$1" -v row="${2:-1}" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		NR == row + 1 { if (c) print $c; exit }'
}

# models_agree A B: two k-means model files with the same records, the
# inertia and the centroid coordinates equal within 1e-12 relative and
# everything else equal.
models_agree() {
	awk -F '\t' 'NR == FNR { line[FNR] = $0; n = FNR; next }
		{ first = NF + 1
		  if ($1 == "inertia") first = 2
		  if ($1 == "cluster") first = 4
		  if (split(line[FNR], a, "\t") != NF) bad = 1
		  for (i = 1; i <= NF; i++) {
			d = a[i] - $i; s = a[i]
			if (d < 0) d = -d
			if (s < 0) s = -s
			if (i < first ? a[i] != $i : d > 1e-12 * s) bad = 1 }
		  if (bad) { print "differs at line " FNR ": " $0; exit 1 } }
		END { if (!bad && FNR != n) { print "line counts differ"; exit 1 } }' \
	    "$1" "$2"
}

# split_rows SIZES PREFIX FILE: the data rows of FILE in order into
# PREFIX1.tsv, PREFIX2.tsv, ..., SIZES rows each ("0 1 5"), the last
# taking the rest; every shard keeps the header, an empty one has only it.
split_rows() {
	awk -v sizes="$1" -v prefix="$2" '
		BEGIN { n = split(sizes, size, " ") }
		NR == 1 { for (s = 1; s <= n; s++) print > (prefix s ".tsv")
			s = 1; used = 0; next }
		{ while (s < n && used >= size[s]) { s++; used = 0 }
			print > (prefix s ".tsv"); used++ }' "$3"
}

# start_receiver ANSWER: a one-file HTTP server on 127.0.0.1 (a free
# port, written to ./port) that stores each request's head and body as
# requestN.head and requestN.json, answers ANSWER (COUNT replaced by N)
# and stops by itself after 20 seconds.
start_receiver() {
	cat >receiver.py <<'EOF'
import http.server, sys, threading
port_file, answer = sys.argv[1], sys.argv[2]
count = 0
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        count += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open("request%d.json" % count, "wb") as f:
            f.write(body)
        with open("request%d.head" % count, "w") as f:
            f.write("%s %s\n%s" % (self.command, self.path, self.headers))
        reply = answer.replace("COUNT", str(count)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_port))
import os
os.rename(port_file + ".tmp", port_file)
threading.Timer(20, server.shutdown).start()
server.serve_forever()
EOF
	timeout 25 /usr/bin/python3 receiver.py port "$1" 3>&- &
	receiver_pid=$!
	for _ in $(seq 50); do
		[ -s port ] && break
		sleep 0.1
	done
	[ -s port ] || fail "the receiver did not start"
}

# A receiver started by a test is stopped after it, pass or fail.
teardown() {
	if [ -n "${receiver_pid:-}" ]; then
		kill "$receiver_pid" 2>/dev/null || true
		wait "$receiver_pid" 2>/dev/null || true
	fi
}
