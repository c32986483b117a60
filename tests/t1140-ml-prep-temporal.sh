#!/bin/sh
test_description='ml-prep --split time: one cut-off for every user, the slices, the targets, the bad cut-offs'
. "$(dirname "$0")/test-lib.sh"

# ml-synth's users start over two years and rate for weeks, so cut-offs
# two weeks apart leave users in every slice and users the cut-off finds
# new (V 2001-05-18 = 990144000, T 2001-06-01 = 991353600).
V=990144000 T=991353600
test_pipeline --to prep || exit 1
prep_time() {
	ml-prep --split time --cutoff 2001-06-01 --valid-cutoff 2001-05-18 "$@" r.txt
}
prep_time --targets all >all.tts && prep_time >next.tts || exit 1

# The stream as "user item time slice" lines, slice train, valid or test.
slices() {
	for r in user_ids item_ids offsets items times valid test; do
		tt-dump --tsv $r "$1" >$r.tsv || return 1
	done
	awk 'FILENAME == "user_ids.tsv" { uid[n++] = $1; next }
	     FILENAME == "item_ids.tsv" { iid[m++] = $1; next }
	     FILENAME == "offsets.tsv" { off[o++] = $1; next }
	     FILENAME == "items.tsv" { it[z++] = $1; next }
	     FILENAME == "times.tsv" { tm[t++] = $1; next }
	     FILENAME == "valid.tsv" { va[v++] = $1; next }
	     FILENAME == "test.tsv" { te[e++] = $1; next }
	     END { for (u = 0; u < n; u++) for (k = off[u]; k < off[u + 1]; k++) {
		s = va[u] < 0 || k < va[u] ? "train" : te[u] < 0 || k < te[u] ? "valid" : "test"
		print uid[u], iid[it[k]], tm[k], s } }' \
		user_ids.tsv item_ids.tsv offsets.tsv items.tsv times.tsv valid.tsv test.tsv
}

test_expect_success 'training is before the validation cut-off, validation before the cut-off, test from it on' '
	slices all.tts >lines &&
	awk -v V=$V -v T=$T "\$4 == \"train\" && \$3 >= V || \$4 == \"valid\" && (\$3 < V || \$3 >= T) ||
		\$4 == \"test\" && \$3 < T { print; bad = 1 } END { exit bad }" lines &&
	grep -q " train\$" lines && grep -q " valid\$" lines && grep -q " test\$" lines
'

test_expect_success 'the test targets are exactly the ratings from the cut-off on of the users with history' '
	awk -F:: -v V=$V "\$4 < V { old[\$1] = 1 } { u[NR] = \$1; i[NR] = \$2; t[NR] = \$4 }
		END { for (r = 1; r <= NR; r++) if (old[u[r]] && t[r] >= $T) print u[r], i[r] }" r.txt |
		sort >expect &&
	awk "\$4 == \"test\" { print \$1, \$2 }" lines | sort >actual &&
	test_cmp expect actual &&
	test $(wc -l <actual) -gt 20
'

test_expect_success 'users with nothing before the validation cut-off are left out, and said' '
	awk -F:: -v V=$V "{ if (!(\$1 in first) || \$4 < first[\$1]) first[\$1] = \$4 }
		END { for (u in first) n += first[u] >= V; print n }" r.txt >expect &&
	test $(cat expect) -gt 0 &&
	tt-dump all.tts | sed -n "s/^ *no_history_users=//p" >actual &&
	test_cmp expect actual &&
	prep_time --stats 2>err >/dev/null &&
	test_grep "^time split: validation from 2001-05-18T00:00:00Z, $V, test from 2001-06-01T00:00:00Z, $T; targets next: valid [0-9]+, test [0-9]+; users without training history, not evaluated: $(cat expect) \\([0-9]+ interactions left out\\)\$" err
'

test_expect_success '--targets next and all: the same slices, the meta says which' '
	tt-dump all.tts | grep -v "^meta \|^ *targets=" >a &&
	tt-dump next.tts | grep -v "^meta \|^ *targets=" >b &&
	test_cmp a b &&
	tt-dump next.tts | grep -q "^ *targets=next\$" &&
	tt-dump all.tts | grep -q "^ *targets=all\$" &&
	tt-dump all.tts | grep -q "^ *split=time\$"
'

test_expect_success 'a date, ISO 8601 and seconds are the same cut-off' '
	ml-prep --split time --cutoff 991353600 --valid-cutoff 2001-05-18T02:00:00+02:00 r.txt >s.tts &&
	tt-dump next.tts | grep -v "^meta \|_given=" >a &&
	tt-dump s.tts | grep -v "^meta \|_given=" >b &&
	test_cmp a b &&
	tt-dump s.tts | grep -q "^ *cutoff=$T\$" &&
	tt-dump s.tts | grep -q "^ *valid_cutoff=$V\$"
'

test_expect_success 'a share: the cut-off is the time of the interaction at floor(F Z), validation the share before' '
	ml-prep --split time --cutoff 0.99 r.txt >share.tts &&
	awk -F:: "{ print \$4 }" r.txt | sort -n >times &&
	z=$(wc -l <times) &&
	sed -n "$((z * 99 / 100 + 1))p" times >expect &&
	tt-dump share.tts | sed -n "s/^ *cutoff=//p" >actual &&
	test_cmp expect actual &&
	sed -n "$((z * 98 / 100 + 1))p" times >expect &&
	tt-dump share.tts | sed -n "s/^ *valid_cutoff=//p" >actual &&
	test_cmp expect actual &&
	ml-prep --split time --cutoff 99% r.txt | tt-dump | grep -v "^meta \|_given=" >a &&
	tt-dump share.tts | grep -v "^meta \|_given=" >b &&
	test_cmp a b
'

test_expect_success 'the default validation slice is as long as the test period' '
	last=$(awk -F:: "{ print \$4 }" r.txt | sort -n | tail -1) &&
	ml-prep --split time --cutoff $((last - 86400 * 60)) r.txt >d.tts &&
	tt-dump d.tts | sed -n "s/^ *valid_cutoff=//p" >actual &&
	echo $((last - 86400 * 120)) >expect &&
	test_cmp expect actual
'

# A bad cut-off: one line naming the option and what was expected (bad
# usage, status 2, then the line that points to --help), no output.
bad() { # status, expected message, ml-prep arguments
	st=$1 msg=$2 && shift 2 &&
	rm -f out.tts &&
	{ ml-prep "$@" -o out.tts r.txt 2>err; test $? = $st; } &&
	echo "ml-prep: $msg" >expect &&
	if test $st = 2; then echo "Try 'ml-prep --help' for more information." >>expect; fi &&
	test_cmp expect err &&
	! test -e out.tts
}

test_expect_success 'bad cut-offs and options: one line each, exit 2 for usage, 1 for the data, no output' '
	bad 2 "--cutoff: '\''soon'\'' is neither a share of the interactions (0.9, 90%) nor a time (seconds, or ISO 8601 as 2000-12-01 or 2000-12-01T00:00:00Z)" \
		--split time --cutoff soon &&
	bad 2 "--cutoff: '\''100%'\'' is not a share of the interactions above 0% and below 100%" \
		--split time --cutoff 100% &&
	bad 2 "--valid-cutoff: '\''2001-02-30'\'' is neither a share of the interactions (0.9, 90%) nor a time (seconds, or ISO 8601 as 2000-12-01 or 2000-12-01T00:00:00Z)" \
		--split time --cutoff 0.9 --valid-cutoff 2001-02-30 &&
	bad 2 "--split time needs --cutoff: a time (seconds, ISO 8601 as 2000-12-01) or a share of the interactions (0.9)" \
		--split time &&
	bad 2 "--cutoff needs --split time" --cutoff 0.9 &&
	bad 2 "--targets needs --split time" --targets all &&
	bad 2 "--targets: '\''some'\'' is not next or all" --split time --cutoff 0.9 --targets some &&
	bad 2 "--split: '\''later'\'' is not loo, none or time" --split later &&
	bad 2 "--cold-items needs --split loo" --split time --cutoff 0.9 --cold-items 0.1
'

test_expect_success 'cut-offs the data cannot have: said with the first or last time' '
	first=$(awk -F:: "{ print \$4 }" r.txt | sort -n | head -1) &&
	last=$(awk -F:: "{ print \$4 }" r.txt | sort -n | tail -1) &&
	iso() { date -u -d @$1 +%Y-%m-%dT%H:%M:%SZ; } &&
	bad 1 "--cutoff 2030-01-01: no interaction is at or after it (the last is at $(iso $last), $last)" \
		--split time --cutoff 2030-01-01 &&
	bad 1 "--cutoff 1990-01-01: no interaction is before it (the first is at $(iso $first), $first)" \
		--split time --cutoff 1990-01-01 &&
	bad 1 "--valid-cutoff 2001-07-01: not before the cut-off (2001-06-01T00:00:00Z, $T)" \
		--split time --cutoff 2001-06-01 --valid-cutoff 2001-07-01 &&
	bad 1 "--cutoff 0.5: a validation slice of the same share would leave nothing to train on; --valid-cutoff sets it" \
		--split time --cutoff 0.5
'

test_expect_success 'input without times is refused' '
	awk -F:: "{ print \$1, \$2 }" r.txt >seq.txt &&
	test_must_fail ml-prep --split time --cutoff 0.9 seq.txt >out 2>err &&
	echo "ml-prep: --split time needs times: the input has none (seq, or no time column)" >expect &&
	test_cmp expect err &&
	test_must_fail test -s out
'

test_expect_success 'leave-one-out is the default, and says so' '
	ml-prep r.txt | tt-dump | grep -q "^ *split=loo\$" &&
	ml-prep r.txt | tt-dump >a && ml-prep --split loo r.txt | tt-dump >b && test_cmp a b &&
	! grep -q "targets=\|cutoff=" a
'

test_expect_success 'tt-fit --valid and --test on it; tt-eval agrees with tt-fit on every target' '
	tt-fit $TINY --epochs 3 --valid --test all.tts -o model.bin 2>fit.err &&
	test_grep "valid HR@10 [0-9.]+ NDCG@10" fit.err &&
	tt-embed model.bin >items.tts &&
	tt-embed --users model.bin all.tts >users.tts &&
	tt-topk -k 10 --format tts items.tts users.tts | tt-eval --tsv --k 10 all.tts >eval.tsv &&
	hr=$(awk "\$1 == \"hr\" { printf \"%.4f\", \$3 }" eval.tsv) &&
	ndcg=$(awk "\$1 == \"ndcg\" { printf \"%.4f\", \$3 }" eval.tsv) &&
	test_grep "^tt-fit: test HR@10 $hr NDCG@10 $ndcg \\([0-9]+ users\\)\$" fit.err &&
	test_grep "^recall	10	" eval.tsv
'

test_expect_success 'the validation history stops before the validation slice, the test history holds it' '
	tt-embed --users --at valid model.bin all.tts >uv.tts &&
	tt-embed --users model.bin all.tts >ut.tts &&
	tt-dump --tsv seen_offsets uv.tts >sv && tt-dump --tsv seen_offsets ut.tts >st &&
	tt-dump --tsv offsets all.tts >off && tt-dump --tsv valid all.tts >va && tt-dump --tsv test all.tts >te &&
	awk "FILENAME == \"off\" { o[n++] = \$1; next } FILENAME == \"va\" { v[a++] = \$1; next }
		{ t[b++] = \$1 } END { for (u = 0; u < a; u++) {
		e = v[u] < 0 ? o[u + 1] : v[u]; print e - o[u] } }" off va te >expect.v &&
	awk "NR > 1 { print \$1 - p } { p = \$1 }" sv >actual.v &&
	test_cmp expect.v actual.v &&
	awk "FILENAME == \"off\" { o[n++] = \$1; next } FILENAME == \"va\" { next }
		{ t[b++] = \$1 } END { for (u = 0; u < b; u++) {
		e = t[u] < 0 ? o[u + 1] : t[u]; print e - o[u] } }" off va te >expect.t &&
	awk "NR > 1 { print \$1 - p } { p = \$1 }" st >actual.t &&
	test_cmp expect.t actual.t
'

test_done
