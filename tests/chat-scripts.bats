#!/usr/bin/env bats
# The chat side of labelling: slack-messages.sh builds and posts one
# message per sampled point, slack-votes.sh turns the reactions back
# into votes for vote-labels.

load test_helper

SAMPLE="$DATA_DIR/slack-sample-3.tsv"
HISTORY="$DATA_DIR/slack-history-5-messages.json"

@test "slack-messages: --dry-run prints one Block Kit message per point" {
	run --separate-stderr slack-messages.sh --channel C1 --dry-run \
	    --metrics cpu,latency_ms \
	    --link 'Dashboard=https://grafana.test/d/vm?host={host}&c={cluster}' \
	    "$SAMPLE"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 3
	first=$(printf '%s\n' "$output" | head -n 1)
	assert_equal "$(jq -r '.channel' <<<"$first")" C1
	assert_equal "$(jq -c '.metadata' <<<"$first")" \
	    '{"event_type":"labelling_request","event_payload":{"item":"vm-017","cluster":"2"}}'
	assert_equal "$(jq -r '[.blocks[1].fields[].text] | join("|")' \
	    <<<"$first")" $'*cpu*\n0.93|*latency_ms*\n12.5'
	assert_equal "$(jq -r '.blocks[2].elements[0].text' <<<"$first")" \
	    '<https://grafana.test/d/vm?host=vm-017&c=2|Dashboard>'
	assert_equal "$(jq -r '.text' <<<"$first")" \
	    'Labelling request for point vm-017 in cluster 2: react :+1: if normal, :-1: if abnormal'
}

@test "slack-messages: by default every column but id, cluster and weights is a metric" {
	run --separate-stderr slack-messages.sh --channel C1 --dry-run \
	    --id host "$SAMPLE"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p |
	    jq -r '[.blocks[1].fields[].text | split("\n")[0]] | join(",")')" \
	    '*cpu*,*mem_used*,*latency_ms*'
}

@test "slack-messages: --links FILE reads LABEL<tab>URL lines" {
	printf '# links\nLogs\thttps://logs.test/{host}\n' >links.tsv
	run --separate-stderr slack-messages.sh --channel C1 --dry-run \
	    --links links.tsv "$SAMPLE"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | tail -n 1 |
	    jq -r '.blocks[-1].elements[0].text')" '<https://logs.test/vm-233|Logs>'
}

@test "slack-messages: a missing column is an error listing the header" {
	run --separate-stderr slack-messages.sh --channel C1 --dry-run \
	    --metrics disk "$SAMPLE"
	assert_failure 1
	assert_output ""
	[ "$stderr" = "slack-messages.sh: $SAMPLE: no column 'disk' in the header: host, cpu, mem_used, latency_ms, cluster, inclusion_probability, weight" ]
}

@test "slack-messages: a ragged row is an error naming the line, nothing printed" {
	printf 'host\tcluster\nvm1\t1\nvm2\t1\t9\n' >ragged.tsv
	run --separate-stderr slack-messages.sh --channel C1 --dry-run ragged.tsv
	assert_failure 1
	assert_output ""
	[ "$stderr" = "slack-messages.sh: ragged.tsv:3: 3 fields where the header has 2" ]
}

@test "slack-messages: missing input, channel or token are clear errors" {
	run --separate-stderr slack-messages.sh --channel C1 --dry-run nope.tsv
	assert_failure 1
	[ "$stderr" = "slack-messages.sh: nope.tsv: cannot read the input file" ]
	run --separate-stderr slack-messages.sh --dry-run "$SAMPLE"
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "slack-messages.sh: --channel is required" ]
	SLACK_TOKEN='' run --separate-stderr slack-messages.sh --channel C1 \
	    "$SAMPLE"
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | head -n 1)" = "slack-messages.sh: no token: set SLACK_TOKEN or give --token-file (or use --dry-run)" ]
}

@test "slack-messages: a token file others can read is refused" {
	printf 'xoxb-secret-42\n' >token
	chmod 640 token
	run --separate-stderr slack-messages.sh --channel C1 \
	    --token-file token "$SAMPLE"
	assert_failure 1
	[ "$stderr" = "slack-messages.sh: token: refused: mode 640 lets others read the token; chmod 600 it" ]
	[[ "$output$stderr" != *xoxb-secret-42* ]]
}

@test "slack-messages: posts each message with the token in the Authorization header" {
	start_receiver '{"ok":true,"channel":"C1","ts":"1717000000.00COUNT"}'
	printf 'xoxb-secret-42\n' >token
	chmod 600 token
	run --separate-stderr slack-messages.sh --channel C1 \
	    --token-file token --api-url "http://127.0.0.1:$(cat port)/" \
	    "$SAMPLE"
	assert_success
	assert_output "$(printf '%s\n' 'item	channel	ts' \
	    'vm-017	C1	1717000000.001' 'vm-104	C1	1717000000.002' \
	    'vm-233	C1	1717000000.003')"
	[[ "$output$stderr" != *xoxb-secret-42* ]]
	assert_equal "$(head -n 1 request2.head)" "POST /chat.postMessage"
	assert_equal "$(grep -i '^authorization:' request2.head | tr -d '\r')" \
	    "Authorization: Bearer xoxb-secret-42"
	assert_equal "$(grep -i '^content-type:' request2.head | tr -d '\r')" \
	    "Content-Type: application/json; charset=utf-8"
	assert_equal "$(jq -r '[.channel, .metadata.event_payload.item,
	    .metadata.event_type] | join(" ")' request2.json)" \
	    "C1 vm-104 labelling_request"
}

@test "slack-messages: --posted posts each point once, across runs" {
	start_receiver '{"ok":true,"channel":"C1","ts":"1717000000.00COUNT"}'
	printf 'xoxb-secret-42\n' >token
	chmod 600 token
	# A receipt from an earlier run: vm-104 is not posted again.
	printf 'item\tchannel\tts\nvm-104\tC1\t1716000000.000\n' > posted.tsv
	run --separate-stderr slack-messages.sh --channel C1 \
	    --token-file token --api-url "http://127.0.0.1:$(cat port)" \
	    --posted posted.tsv "$SAMPLE"
	assert_success
	assert_output "$(printf '%s\n' 'item	channel	ts' \
	    'vm-017	C1	1717000000.001' 'vm-233	C1	1717000000.002')"
	assert_equal "$(cut -f 1 posted.tsv | tr '\n' ' ')" \
	    "item vm-104 vm-017 vm-233 "
	[ ! -e request3.json ]
	# Run again: everything is posted, nothing is sent.
	run --separate-stderr slack-messages.sh --channel C1 \
	    --token-file token --api-url "http://127.0.0.1:$(cat port)" \
	    --posted posted.tsv "$SAMPLE"
	assert_success
	assert_output "$(printf 'item\tchannel\tts')"
	[ ! -e request3.json ]
	assert_equal "$(wc -l < posted.tsv)" 4
}

@test "slack-messages: a token file behind a link is judged by the file" {
	start_receiver '{"ok":true,"channel":"C1","ts":"1717000000.00COUNT"}'
	printf 'xoxb-secret-42\n' >token
	chmod 600 token
	ln -s token token-link
	run --separate-stderr slack-messages.sh --channel C1 \
	    --token-file token-link --api-url "http://127.0.0.1:$(cat port)" \
	    "$SAMPLE"
	assert_success
	chmod 644 token
	run --separate-stderr slack-messages.sh --channel C1 \
	    --token-file token-link "$SAMPLE"
	assert_failure 1
	[ "$stderr" = "slack-messages.sh: token-link: refused: mode 644 lets others read the token; chmod 600 it" ]
}

@test "slack-messages: a Slack error answer fails the run" {
	start_receiver '{"ok":false,"error":"channel_not_found"}'
	SLACK_TOKEN=xoxb-env-7 run --separate-stderr slack-messages.sh \
	    --channel C9 --api-url "http://127.0.0.1:$(cat port)" "$SAMPLE"
	assert_failure 1
	[ "$stderr" = "slack-messages.sh: chat.postMessage: channel_not_found" ]
	assert_equal "$(grep -i '^authorization:' request1.head | tr -d '\r')" \
	    "Authorization: Bearer xoxb-env-7"
	[ ! -e request2.json ]
}

@test "slack-votes: one row per reacting user, item from metadata or text" {
	run --separate-stderr slack-votes.sh "$HISTORY"
	assert_success
	assert_output "$(printf '%s\n' 'item	annotator	vote	time' \
	    'vm-233	U01	+1	1717000300.000400' \
	    'vm-233	U02	+1	1717000300.000400' \
	    'vm-233	U03	-1	1717000300.000400' \
	    'vm-104	U01	thumbsdown	1717000200.000300' \
	    'vm-104	U02	thumbsdown	1717000200.000300' \
	    'vm-104	U02	thumbsup	1717000200.000300' \
	    'vm-017	U01	-1	1717000400' \
	    'vm-017	U01	+1	1717000500' \
	    'vm-017	U03	+1	1717000050.000150')"
	[ "$stderr" = "$(printf '%s\n' \
	    'slack-votes.sh: item vm-017: 3 +1 votes missing from the export (Slack lists a limited number of users)' \
	    'slack-votes.sh: skipped 1 message with no item id' \
	    'slack-votes.sh: skipped 1 reaction that is not a vote')" ]
}

@test "slack-votes: --all-reactions keeps other reactions, --pattern finds ids" {
	run --separate-stderr slack-votes.sh --all-reactions \
	    --pattern 'for point (vm-[0-9]+)' "$HISTORY"
	assert_success
	assert_line 'vm-233	U04	eyes	1717000300.000400'
	run --separate-stderr slack-votes.sh --event-type other \
	    --pattern 'cluster ([0-9]+)' "$HISTORY"
	assert_success
	assert_line '1	U01	+1	1717000300.000400'
	assert_line '2	U03	+1	1717000050.000150'
}

@test "slack-votes: the votes feed vote-labels" {
	slack-votes.sh "$HISTORY" 2>/dev/null >votes.tsv
	run --separate-stderr vote-labels --time time votes.tsv
	assert_success
	assert_output "$(printf '%s\n' \
	    'item	label	votes	normal	abnormal	agreement' \
	    'vm-233	normal	3	2	1	0.666667' \
	    'vm-104	abnormal	1	0	1	1' \
	    'vm-017	normal	2	2	0	1')"
}

@test "slack-votes: an error answer, non-JSON or a missing file are clear errors" {
	run --separate-stderr slack-votes.sh <<<'{"ok":false,"error":"not_in_channel"}'
	assert_failure 1
	[ "$stderr" = "slack-votes.sh: stdin: the export is a Slack error: not_in_channel" ]
	run --separate-stderr slack-votes.sh <<<'{"channels":[]}'
	assert_failure 1
	[ "$stderr" = "slack-votes.sh: stdin: not a conversations.history export (no messages)" ]
	printf 'not json\n' >broken.json
	run --separate-stderr slack-votes.sh broken.json
	assert_failure 1
	assert_output ""
	[[ "$stderr" == "slack-votes.sh: broken.json: "* ]]
	run --separate-stderr slack-votes.sh missing.json
	assert_failure 1
	[ "$stderr" = "slack-votes.sh: missing.json: cannot read the file" ]
}

@test "slack-votes: an empty file is an error, not zero votes" {
	: > empty.json
	run --separate-stderr slack-votes.sh empty.json
	assert_failure 1
	assert_output ""
	[ "$stderr" = "slack-votes.sh: empty.json: no JSON in the input (an empty or cut-off download?)" ]
}

@test "slack-votes: an item id with a backslash comes out as it is" {
	printf '%s' '[{"ts":"1.0","text":"x","metadata":{"event_type":' \
	    '"labelling_request","event_payload":{"item":"a\\b"}},' \
	    '"reactions":[{"name":"+1","users":["U1"],"count":1}]}]' \
	    > backslash.json
	run --separate-stderr slack-votes.sh backslash.json
	assert_success
	assert_equal "$(printf '%s\n' "$output" | sed -n 2p | cut -f 1)" 'a\b'
}

@test "slack-votes: a bare array of messages is read like a history answer" {
	jq '.messages' "$HISTORY" >export.json
	run --separate-stderr slack-votes.sh export.json
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 10
}
