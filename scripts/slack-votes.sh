#!/bin/bash
# slack-votes.sh - turn a Slack conversations.history JSON export into
# the votes TSV that vote-labels reads: item, annotator, vote, time.
#
# Input: one or more JSON files (standard input without any), each
# either a conversations.history answer ({"ok": true, "messages":
# [...]}, one page or several concatenated) or a bare array of messages
# (as a workspace export stores them).  For each message:
#  - the item is metadata.event_payload.item when the metadata's
#    event_type is --event-type (default labelling_request, what
#    slack-messages.sh sends); otherwise the first capture group of
#    --pattern (an Oniguruma regular expression, default
#    'point ([^\s`]+)') matched against the message text; a message with
#    neither is skipped and counted on standard error;
#  - each reaction gives one row per reacting user: the annotator is
#    the user id, the vote the reaction name with any skin tone
#    ("+1::skin-tone-3") taken off, and the time the user's reaction
#    time when the export has one ("users": [{"id": ..., "ts": ...}]),
#    else the reaction's "ts", else the message's ts.  Slack's own
#    history carries no reaction times, so a user who reacted both :+1:
#    and :-1: gives two votes at one time, which vote-labels drops.
# Only thumbs reactions (+1, thumbsup, -1, thumbsdown) are kept unless
# --all-reactions; the others are counted on standard error.  When a
# reaction's count exceeds its listed users (Slack lists a limited
# number), the missing votes are reported.  Output rows follow the
# input's message order.  Nothing is printed unless the whole input
# reads.
set -euo pipefail

prog=slack-votes.sh
usage_text="usage: $prog [--event-type TYPE] [--pattern REGEX] [--all-reactions] [FILE...]"

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
Turn Slack conversations.history JSON into item, annotator, vote, time TSV.

  --event-type TYPE  metadata event type naming the item
                     (default: labelling_request)
  --pattern REGEX    regular expression whose first group is the item id
                     in the message text (default: 'point ([^\\s\`]+)')
  --all-reactions    keep every reaction, not only thumbs up and down
  -h, --help         print this help
EOF
	exit 0
}

event_type="labelling_request"
pattern='point ([^\s`]+)'
all_reactions=false

while [ $# -gt 0 ]; do
	case $1 in
	--event-type) [ $# -ge 2 ] || usage_error "option $1 needs a value"
		event_type=$2; shift ;;
	--pattern) [ $# -ge 2 ] || usage_error "option $1 needs a value"
		pattern=$2; shift ;;
	--all-reactions) all_reactions=true ;;
	-h|--help) help ;;
	--) shift; break ;;
	-?*) usage_error "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
command -v jq >/dev/null || die "jq is not installed"
for file in "$@"; do
	[ -r "$file" ] || die "$file: cannot read the file"
done

# Each output line of the jq program is a tagged record: "row" with
# item, annotator, vote and time, "skip" for a message with no item,
# "other" for a reaction that is not a vote, "short" for users missing
# from a reaction's list.
extract() {
	jq -nr --arg event_type "$event_type" --arg pattern "$pattern" \
	    --argjson all "$all_reactions" '
	def documents:
	    [inputs] | if length == 0
	    then error("no JSON in the input (an empty or cut-off download?)")
	    else .[] end;
	def tsv: map(tostring) | join("\t");
	def messages:
	    if type == "array" then .[]
	    elif type == "object" and .ok == false then
	        error("the export is a Slack error: \(.error // "unknown")")
	    elif type == "object" and (.messages | type) == "array" then
	        .messages[]
	    else error("not a conversations.history export (no messages)")
	    end;
	def item_of:
	    if (.metadata.event_type? == $event_type)
	        and (.metadata.event_payload.item? != null)
	    then .metadata.event_payload.item | tostring
	    else [(.text // "") | match($pattern) | .captures[0].string
	          | select(. != null)] | first
	    end;
	def clean($what):
	    tostring | if test("[\t\n\r]") or . == ""
	    then error("\($what) \(tojson) is empty or holds a tab or line end")
	    else . end;
	def vote_name: sub("::skin-tone-[0-9]+$"; "");
	def is_vote: IN("+1", "thumbsup", "-1", "thumbsdown");

	documents
	| messages
	| (.ts // "" | tostring) as $message_ts
	| item_of as $item
	| if $item == null then ["skip"] | tsv
	  else
	    ($item | clean("item")) as $item
	    | .reactions[]?
	    | (.name | vote_name) as $vote
	    | if ($all | not) and ($vote | is_vote | not)
	      then ["other", $vote] | tsv
	      else
	        (.ts // $message_ts | tostring) as $reaction_ts
	        | ((.count // 0) - (.users | length)) as $missing
	        | (if $missing > 0
	           then ["short", $item, $vote, $missing] | tsv
	           else empty end),
	          (.users[]
	           | (if type == "object" then (.id // .user) else . end)
	               as $user
	           | (if type == "object" then (.ts // $reaction_ts)
	              else $reaction_ts end | tostring) as $time
	           | ["row", $item, ($user | clean("user")), $vote, $time]
	           | tsv)
	      end
	  end' "$@"
}

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! records=$(extract "$@" 2>"$errors"); then
	message=$(sed -n 's/^jq: error (at [^)]*): //p' "$errors" | head -n 1)
	[ -n "$message" ] || message=$(head -n 1 "$errors")
	die "${*:-stdin}: ${message:-cannot read the JSON}"
fi

printf '%s\n' "$records" | awk -F '\t' -v prog="$prog" '
	BEGIN { OFS = "\t"; print "item", "annotator", "vote", "time" }
	$1 == "row" { print $2, $3, $4, $5; next }
	$1 == "skip" { skipped++; next }
	$1 == "other" { other[$2]++; n_other++; next }
	$1 == "short" {
		printf "%s: item %s: %d %s vote%s missing from the export" \
		    " (Slack lists a limited number of users)\n", prog, $2,
		    $4, $3, $4 == 1 ? "" : "s" > "/dev/stderr"
	}
	END {
		if (skipped > 0)
			printf "%s: skipped %d message%s with no item id\n",
			    prog, skipped, skipped == 1 ? "" : "s" > "/dev/stderr"
		if (n_other > 0)
			printf "%s: skipped %d reaction%s that %s not a vote\n",
			    prog, n_other, n_other == 1 ? "" : "s",
			    n_other == 1 ? "is" : "are" > "/dev/stderr"
	}'
