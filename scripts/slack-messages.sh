#!/bin/bash
# slack-messages.sh - build one Slack labelling message per sampled point
# and post it with chat.postMessage, or print it with --dry-run.
#
# Input: TSV with a header (the output of cluster-sample): the point id
# column (--id, by default the first column), the cluster column
# (--cluster, default "cluster") and the metric columns to show
# (--metrics; by default every other column except inclusion_probability
# and weight).  Each row becomes a Block Kit message asking for a
# thumbs-up (normal) or thumbs-down (abnormal) reaction, with the links
# of --link/--links filled in for the point, and message metadata
# {"event_type": TYPE, "event_payload": {"item": ID, "cluster": C}} so
# that slack-votes.sh can tie the reactions back to the point.
#
# --dry-run prints the messages, one JSON object per line.  Otherwise
# the token comes from SLACK_TOKEN or from --token-file FILE (a file
# that only its owner may read; anything else is refused), is sent only
# in the Authorization header (never on a command line, never printed),
# and each posted message's item, channel and ts are printed as TSV.
# With --posted FILE, those receipts are also appended to FILE as each
# post succeeds, and an item FILE already lists is not posted again, so
# a run stopped halfway, or run again, posts each point once.
# A rate-limited post (HTTP 429) is retried after Retry-After seconds,
# up to 5 times.  Limits: ids and values must not contain tabs; a
# message shows at most 40 metrics (4 sections of 10 fields).
#
# Bash for arrays and for handing the token to curl through a
# descriptor; jq builds and reads every JSON document.
set -euo pipefail

prog=slack-messages.sh
usage_text="usage: $prog --channel ID [--id COL] [--cluster COL] [--metrics LIST]
                         [--link LABEL=URL]... [--links FILE] [--event-type TYPE]
                         [--token-file FILE] [--api-url URL] [--posted FILE]
                         [--dry-run] [FILE]"

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

usage_error() {
	printf '%s: %s\n%s\n' "$prog" "$*" "$usage_text" >&2
	exit 2
}

help() {
	cat <<EOF
$usage_text
Build one Slack labelling message per row of cluster-sample output and
post it with chat.postMessage (or print it with --dry-run).

  --channel ID        channel to post to (required)
  --id COL            point id column (default: the first column)
  --cluster COL       cluster column (default: cluster)
  --metrics LIST      comma-separated metric columns to show
  --link LABEL=URL    a link; {COL} in URL is replaced by the row's value
  --links FILE        links from FILE, one LABEL<tab>URL per line
  --event-type TYPE   metadata event type (default: labelling_request)
  --token-file FILE   read the token from FILE (mode 600 or stricter)
  --api-url URL       Slack Web API address (default: https://slack.com/api)
  --posted FILE       receipts of posts: skip the items listed, add new ones
  --dry-run           print the messages as JSON lines, post nothing
  -h, --help          print this help
The token is taken from SLACK_TOKEN when --token-file is not given.
EOF
	exit 0
}

channel=""
id_column=""
cluster_column="cluster"
metrics=""
event_type="labelling_request"
token_file=""
api_url="https://slack.com/api"
dry_run=false
posted_file=""
links_json="[]"
input="-"

# need_value OPTION COUNT: fail unless OPTION was given a value.
need_value() {
	[ "$2" -ge 2 ] || usage_error "option $1 needs a value"
}

add_link() {
	local label="${1%%=*}" template="${1#*=}"

	if [ "$label" = "$1" ] || [ -z "$label" ] || [ -z "$template" ]; then
		usage_error "--link: expected LABEL=URL, got '$1'"
	fi
	links_json=$(jq -c --arg link_name "$label" --arg link_url "$template" \
	    '. + [{name: $link_name, url: $link_url}]' <<<"$links_json")
}

read_links_file() {
	local label template line_number=0

	[ -r "$1" ] || die "$1: cannot read the links file"
	while IFS=$'\t' read -r label template || [ -n "$label" ]; do
		line_number=$((line_number + 1))
		case $label in ''|'#'*) continue ;; esac
		[ -n "$template" ] ||
			die "$1:$line_number: expected LABEL<tab>URL"
		add_link "$label=${template%$'\r'}"
	done <"$1"
}

while [ $# -gt 0 ]; do
	case $1 in
	--channel) need_value "$1" $#; channel=$2; shift ;;
	--id) need_value "$1" $#; id_column=$2; shift ;;
	--cluster) need_value "$1" $#; cluster_column=$2; shift ;;
	--metrics) need_value "$1" $#; metrics=$2; shift ;;
	--link) need_value "$1" $#; add_link "$2"; shift ;;
	--links) need_value "$1" $#; read_links_file "$2"; shift ;;
	--event-type) need_value "$1" $#; event_type=$2; shift ;;
	--token-file) need_value "$1" $#; token_file=$2; shift ;;
	--api-url) need_value "$1" $#; api_url=${2%/}; shift ;;
	--posted) need_value "$1" $#; posted_file=$2; shift ;;
	--dry-run) dry_run=true ;;
	-h|--help) help ;;
	--) shift; break ;;
	-?*) usage_error "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -le 1 ] || usage_error "at most one input file, got $#"
[ $# -eq 1 ] && input=$1
[ -n "$channel" ] || usage_error "--channel is required"
command -v jq >/dev/null || die "jq is not installed"

# The token: from --token-file (owner-only) or SLACK_TOKEN.
read_token() {
	local mode owner

	if [ -n "$token_file" ]; then
		[ -r "$token_file" ] || die "$token_file: cannot read the token file"
		# The file a link points to is what others could read.
		mode=$(stat -L -c '%a' "$token_file")
		owner=$(stat -L -c '%u' "$token_file")
		[ "$owner" = "$(id -u)" ] ||
			die "$token_file: refused: the token file is not yours"
		case $mode in
		[0-7]00) ;;
		*) die "$token_file: refused: mode $mode lets others read the token; chmod 600 it" ;;
		esac
		IFS= read -r token <"$token_file" || [ -n "${token:-}" ] ||
			die "$token_file: the token file is empty"
	else
		token=${SLACK_TOKEN:-}
	fi
	token=${token%$'\r'}
	[ -n "$token" ] || usage_error "no token: set SLACK_TOKEN or give --token-file (or use --dry-run)"
}

token=""
$dry_run || read_token

if [ "$input" = "-" ]; then
	name=stdin
else
	[ -r "$input" ] || die "$input: cannot read the input file"
	name=$input
	exec <"$input"
fi

IFS= read -r header || [ -n "${header:-}" ] || die "$name: empty input, no header"
header=${header#$'\xef\xbb\xbf'}
header=${header%$'\r'}

# The messages, one JSON object per line, built from the header and the
# remaining lines of standard input.
build_messages() {
	jq -cnR --arg header "$header" --arg name "$name" \
	    --arg id_column "$id_column" --arg cluster_column "$cluster_column" \
	    --arg metrics "$metrics" --arg channel "$channel" \
	    --arg event_type "$event_type" --argjson links "$links_json" '
	def fail($msg): error("\($name): \($msg)");
	def fail_at($line; $msg): error("\($name):\($line): \($msg)");
	def mrkdwn_escape: gsub("&"; "&amp;") | gsub("<"; "&lt;")
	    | gsub(">"; "&gt;");
	def column_index($names; $column):
	    ($names | index([$column])) as $i
	    | if $i == null then fail("no column \u0027\($column)\u0027 in the header: \($names | join(", "))")
	      else $i end;
	def fill($row):
	    reduce ($row | to_entries[]) as $e (.;
	        split("{" + $e.key + "}") | join($e.value | @uri));
	def chunks($n): [range(0; length; $n) as $i | .[$i:$i + $n]];

	($header | split("\t")) as $names
	| (if $id_column == "" then $names[0] else $id_column end) as $id_name
	| column_index($names; $id_name) as $id_at
	| column_index($names; $cluster_column) as $cluster_at
	| (if $metrics != "" then $metrics | split(",")
	   else $names - [$id_name, $cluster_column,
	       "inclusion_probability", "weight"] end) as $metric_names
	| [$metric_names[] | column_index($names; .)] as $metric_at
	| if ($metric_names | length) > 40
	  then fail("\($metric_names | length) metrics; at most 40 fit in a message")
	  else . end
	| inputs
	| input_line_number as $line
	| rtrimstr("\r") | split("\t") as $fields
	| if ($fields | length) != ($names | length)
	  then fail_at($line + 1;
	      "\($fields | length) fields where the header has \($names | length)")
	  else . end
	| ([$names, $fields] | transpose | map({(.[0]): .[1]}) | add)
	    as $row
	| $fields[$id_at] as $id
	| $fields[$cluster_at] as $cluster
	| if $id == "" then fail_at($line + 1; "empty point id") else . end
	| {
	    channel: $channel,
	    text: "Labelling request for point \($id) in cluster \($cluster): react :+1: if normal, :-1: if abnormal",
	    blocks: ([
	      { type: "section", text: { type: "mrkdwn",
	        text: "*Labelling request*: point `\($id | mrkdwn_escape)`, cluster *\($cluster | mrkdwn_escape)*\nReact :+1: if it looks normal, :-1: if abnormal." } }
	    ] + ([range(0; $metric_at | length) as $k
	          | { type: "mrkdwn",
	              text: "*\($metric_names[$k] | mrkdwn_escape)*\n\($fields[$metric_at[$k]] | mrkdwn_escape)" }]
	         | chunks(10) | map({ type: "section", fields: . }))
	      + (if ($links | length) == 0 then []
	         else [{ type: "context", elements: [$links[]
	             | { type: "mrkdwn",
	                 text: "<\(.url | fill($row))|\(.name | mrkdwn_escape)>" }] }]
	         end)),
	    metadata: { event_type: $event_type,
	                event_payload: { item: $id, cluster: $cluster } }
	  }'
}

errors=$(mktemp)
headers=$(mktemp)
response=$(mktemp)
trap 'rm -f "$errors" "$headers" "$response"' EXIT

if ! messages=$(build_messages 2>"$errors"); then
	message=$(sed -n 's/^jq: error (at [^)]*): //p' "$errors" | head -n 1)
	die "${message:-$(head -n 1 "$errors")}"
fi

if $dry_run; then
	[ -z "$messages" ] || printf '%s\n' "$messages"
	exit 0
fi

# post MESSAGE: chat.postMessage, retried while rate-limited.
post() {
	local attempt status wait

	for attempt in 1 2 3 4 5 6; do
		status=$(printf '%s' "$1" | curl -sS -X POST \
		    --connect-timeout 10 --max-time 30 \
		    -H @<(printf 'Authorization: Bearer %s\n' "$token") \
		    -H 'Content-Type: application/json; charset=utf-8' \
		    -D "$headers" -o "$response" -w '%{http_code}' \
		    --data-binary @- "$api_url/chat.postMessage") ||
			die "chat.postMessage: cannot reach $api_url"
		if [ "$status" != 429 ] || [ "$attempt" -eq 6 ]; then
			break
		fi
		wait=$(tr -d '\r' <"$headers" |
		    awk -F': *' 'tolower($1) == "retry-after" { print $2 + 0 }')
		sleep "${wait:-1}"
	done
	[ "$status" = 200 ] ||
		die "chat.postMessage: HTTP status $status from $api_url"
	jq -e '.ok == true' "$response" >/dev/null 2>&1 ||
		die "chat.postMessage: $(jq -r '.error // "not a Slack API answer"' \
		    "$response" 2>/dev/null || echo 'not a Slack API answer')"
}

# The receipts file: made with its header if new; the items it lists.
posted_items=$(mktemp)
trap 'rm -f "$errors" "$headers" "$response" "$posted_items"' EXIT
if [ -n "$posted_file" ]; then
	if [ ! -s "$posted_file" ]; then
		printf 'item\tchannel\tts\n' > "$posted_file" ||
			die "$posted_file: cannot write the receipts"
	fi
	[ "$(head -n 1 "$posted_file")" = "$(printf 'item\tchannel\tts')" ] ||
		die "$posted_file: not a receipts file (item, channel, ts)"
	tail -n +2 "$posted_file" | cut -f 1 > "$posted_items"
fi

# Ids hold no tab or line end, so a receipt is its fields joined by tabs
# (jq's @tsv would double a backslash in an id).
printf 'item\tchannel\tts\n'
while IFS= read -r message; do
	[ -n "$message" ] || continue
	item=$(jq -r '.metadata.event_payload.item' <<<"$message")
	grep -Fxq -e "$item" "$posted_items" && continue
	post "$message"
	receipt=$(jq -r --arg item "$item" '[$item, .channel, .ts] |
	    map(tostring) | join("\t")' "$response")
	printf '%s\n' "$receipt"
	[ -z "$posted_file" ] || printf '%s\n' "$receipt" >> "$posted_file" ||
		die "$posted_file: cannot write the receipts"
done <<<"$messages"
