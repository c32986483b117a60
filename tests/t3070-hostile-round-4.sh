#!/bin/sh
test_description='hostile round 4: model identity, shards, similar items, warm start by id and user features given streams and files that lie'
. "$(dirname "$0")/test-lib.sh"

test_pipeline || exit 1

# lie IN OUT NAME CODE: the records of stream IN written to OUT after CODE
# (Python) has run on each named NAME (every one for '*'), with name, v
# (the meta's or titles' text, or the values as a list) and keep (set it
# False to leave the record out).
cat >lie.py <<-\EOF
import struct, sys, tts
which, code = sys.argv[1], compile(sys.argv[2], "CODE", "exec")
out = bytearray()
for r in tts.records(tts.decompress(sys.stdin.buffer.read())):
    env = {"name": r.name, "keep": True, "v": None}
    if r.dtype == tts.TEXT:
        env["v"] = r.text()
    elif r.dtype != tts.END:
        f = tts.FORMATS[r.dtype]
        env["v"] = list(struct.unpack("<%d%s" % (len(r.data) // tts.SIZES[r.dtype], f), r.data))
    if which in ("*", r.name):
        exec(code, env)
    if not env["keep"]:
        continue
    if r.dtype == tts.TEXT:
        out += tts.text_record(r.name, env["v"])
    elif r.dtype == tts.END:
        out += r.bytes()
    else:
        out += tts.record(r.name, r.dtype, r.dims, tts.pack(r.dtype, env["v"]))
sys.stdout.buffer.write(tts.compress(bytes(out)))
EOF
lie() { /usr/bin/python3 lie.py "$3" "$4" <"$1" >"$2"; }
command -v /usr/bin/python3 >/dev/null && command -v zstd >/dev/null &&
	test_set_prereq PYZSTD

# ---- items streams that lie ----

test_expect_success PYZSTD 'an items stream whose count= overflows the sizes: refused, no crash' '
	lie items.tts big.tts meta "v = v.replace(\"count=150\", \"count=4611686018427387904\")" &&
	test_must_fail tt-topk -k 3 -o out.txt big.tts users.tts 2>err &&
	test_grep "^tt-topk: big.tts: embeddings meta: bad count=4611686018427387904" err &&
	! test -e out.txt
'

test_expect_success PYZSTD 'an items stream of no items: said so, not "out of memory"' '
	lie items.tts none.tts "*" "keep = name in (\"meta\", \"\"); v = v.replace(\"count=150\", \"count=0\") if name == \"meta\" else v" &&
	test_must_fail tt-topk -k 3 none.tts users.tts >out 2>err &&
	test_grep "^tt-topk: none.tts: no items to rank$" err &&
	echo 5 >ids &&
	test_must_fail tt-topk --similar -k 3 none.tts ids >out 2>err &&
	test_grep "^tt-topk: none.tts: no items to rank$" err
'

# ---- recs streams that lie, and shards that do not belong together ----

test_expect_success 'tt-topk --merge: shards of histories at different splits are refused' '
	tt-embed --users --at valid model.bin prep.tts >valid_users.tts &&
	tt-topk -k 5 --format tts --shard 0/2 items.tts users.tts >s0.tts &&
	tt-topk -k 5 --format tts --shard 1/2 items.tts valid_users.tts >s1v.tts &&
	test_must_fail tt-topk -k 5 --merge -o out.txt items.tts s0.tts s1v.tts 2>err &&
	test_grep "^tt-topk: s1v.tts: at=valid, s0.tts at=test: recommendations of different splits$" err &&
	! test -e out.txt
'

test_expect_success PYZSTD 'tt-topk --merge: item_ids that are not the items of the indices are refused' '
	lie recs.tts ids_lie.tts item_ids "v = [77] + v[1:]" &&
	test_must_fail tt-topk --merge items.tts ids_lie.tts >out 2>err &&
	test_grep "^tt-topk: ids_lie.tts: user [0-9]+.s item 1 has index [0-9]+, item id 77, but item index [0-9]+ of items.tts is item [0-9]+$" err
'

test_expect_success PYZSTD 'recs lists that lie (an item twice, a gap, scores rising or NaN): refused by the reader' '
	lie recs.tts twice.tts "*" "v = [v[0], v[0]] + v[2:] if name in (\"items\", \"item_ids\") else v" &&
	test_must_fail tt-eval prep.tts twice.tts >out 2>err &&
	test_grep "^tt-eval: twice.tts: record items: user [0-9]+.s list has item index [0-9]+ twice$" err &&
	lie recs.tts gap.tts "*" "v = [-1] + v[1:] if name == \"items\" else [float(\"-inf\")] + v[1:] if name == \"scores\" else v" &&
	test_must_fail tt-topk --merge items.tts gap.tts >out 2>err &&
	test_grep "^tt-topk: gap.tts: record items: user [0-9]+.s item 2 follows the end of the list \(-1 at 1\)$" err &&
	lie recs.tts rising.tts scores "v = [v[1], v[0]] + v[2:]" &&
	test_must_fail tt-topk --merge items.tts rising.tts >out 2>err &&
	test_grep "^tt-topk: rising.tts: record scores: user [0-9]+.s item 2 scores more than item 1" err &&
	lie recs.tts nan.tts scores "v = [float(\"nan\")] + v[1:]" &&
	test_must_fail tt-eval prep.tts nan.tts >out 2>err &&
	test_grep "^tt-eval: nan.tts: record scores: user [0-9]+.s item 1 scores nan" err
'

test_expect_success PYZSTD 'a model= that is not 16 hex digits (0x..., a sign) is refused' '
	id=$(tt-dump items.tts | sed -n "s/^ *model=//p") &&
	lie items.tts hex.tts meta "v = v.replace(\"model=$id\", \"model=0x$(echo $id | cut -c3-)\")" &&
	test_must_fail tt-topk -k 3 hex.tts users.tts >out 2>err &&
	test_grep "model=0x[0-9a-f]{14} is not a model.s identity" err &&
	lie items.tts neg.tts meta "v = v.replace(\"model=$id\", \"model=-$(echo $id | cut -c2-)\")" &&
	test_must_fail tt-topk -k 3 neg.tts users.tts >out 2>err &&
	test_grep "model=-[0-9a-f]{15} is not a model.s identity" err
'

# ---- user features ----

test_expect_success 'user features: a model of them and data without them: refused for training, said for vectors' '
	ml-synth --users 200 --items 150 --ratings 8000 --seed 5 --users-out users.dat >/dev/null &&
	ml-prep --items movies.dat --users users.dat r.txt >uprep.tts &&
	tt-fit $TINY --max-steps 5 uprep.tts >umodel.bin 2>/dev/null &&
	tt-dump umodel.bin | grep "^ *user_features=1$" &&
	test_must_fail tt-fit $TINY --max-steps 1 --init umodel.bin -o init.bin prep.tts 2>err &&
	test_grep "^tt-fit: prep.tts: the model has user features .*, the data none \(ml-prep --users\)$" err &&
	! test -e init.bin &&
	tt-embed --users -o u.tts umodel.bin prep.tts 2>err &&
	test_grep "^tt-embed: prep.tts: no users. side data \(ml-prep --users\): the user vectors are the tower.s alone, without the gender, age and occupation umodel.bin adds$" err &&
	tt-embed --users umodel.bin uprep.tts 2>err >/dev/null &&
	! test -s err
'

test_expect_success 'user features: an occupation the model has no row for is refused, not dropped' '
	sed "1s/^\([0-9]*\)::\([MF]\)::\([0-9]*\)::[0-9]*::/\1::\2::\3::99::/" users.dat >odd_users.dat &&
	head -1 odd_users.dat | grep "::99::" &&
	ml-prep --items movies.dat --users odd_users.dat r.txt >odd.tts &&
	uid=$(cut -d: -f1 odd_users.dat | sed 1q) &&
	test_must_fail tt-fit $TINY --max-steps 1 -o odd.bin odd.tts 2>err &&
	test_grep "^tt-fit: odd.tts: user $uid.s occupation 99 is not a code 0 to 63, which the model has rows for$" err &&
	! test -e odd.bin &&
	test_must_fail tt-embed --users -o odd_users.tts umodel.bin odd.tts 2>err &&
	test_grep "^tt-embed: odd.tts: user $uid.s occupation 99 is not a code 0 to 63, which the model has rows for$" err &&
	! test -e odd_users.tts
'

# ---- warm start by id ----

test_expect_success 'tt-fit --init: genre rows follow the genres by name, not by column' '
	sed -n "1!G;h;\$p" movies.dat >reversed.dat &&
	ml-prep --items reversed.dat r.txt >rev.tts &&
	test "$(tt-dump --tsv genre_names rev.tts | sed 1q)" != "$(tt-dump --tsv genre_names prep.tts | sed 1q)" &&
	tt-fit $TINY --max-steps 1 --lr 0 --init model.bin prep.tts >same.bin 2>/dev/null &&
	tt-fit $TINY --max-steps 1 --lr 0 --init model.bin rev.tts >rev.bin 2>/dev/null &&
	tt-embed same.bin | tt-dump --tsv vectors - | tr "\t" "\n" >want &&
	tt-embed rev.bin | tt-dump --tsv vectors - | tr "\t" "\n" >got &&
	# the same sums in another order: equal to rounding
	paste want got | awk "{ d = \$1 - \$2; if (d < 0) d = -d; if (d > 1e-5) bad++ }
		END { print NR, bad + 0; exit !(NR == 1200 && !bad) }"
'

test_expect_success 'tt-fit --init: a genre the model does not have is refused' '
	sed "s/Drama/Dramaturgy/" movies.dat >renamed.dat &&
	ml-prep --items renamed.dat r.txt >renamed.tts &&
	test_must_fail tt-fit $TINY --max-steps 1 --init model.bin -o renamed.bin renamed.tts 2>err &&
	test_grep "^tt-fit: model.bin: genre .Dramaturgy. of the data is not one of the model.s" err &&
	! test -e renamed.bin
'

# ---- similar items ----

test_expect_success 'tt-rec --similar of several items: the scores are cosines, at most 1' '
	tt-rec -k 5 --similar model.bin 1 2 3 >sim &&
	test $(wc -l <sim) = 6 &&
	awk "NF { if (\$4 > 1.000001 || \$4 < -1.000001) bad++ } END { exit bad > 0 }" sim &&
	tt-rec -k 5 --similar model.bin 7 | cut -f2- >one &&
	echo 7 | tt-topk -k 5 --similar items.tts | cut -f2- >want &&
	awk NF one >got && test_cmp want got
'

# ---- cold items of a model of other data ----

test_expect_success 'tt-embed --cold with a model numbered otherwise: no cold item is excluded as seen' '
	ml-prep --items movies.dat --cold-items 0.1 r.txt >cold.tts 2>/dev/null &&
	ml-prep --items movies.dat --min-item-count 40 r.txt >fewer.tts &&
	tt-fit $TINY --max-steps 5 fewer.tts >fewer.bin 2>/dev/null &&
	tt-embed --cold fewer.bin cold.tts >cold_items.tts &&
	tt-embed --users fewer.bin cold.tts >cold_users.tts 2>/dev/null &&
	# a cold item is in no history: excluding the seen items changes nothing
	tt-topk -k 5 cold_items.tts cold_users.tts >want &&
	tt-topk -k 5 --keep-seen cold_items.tts cold_users.tts >got &&
	test_cmp want got &&
	tt-topk -k 5 --format tts cold_items.tts cold_users.tts | tt-eval --cold --tsv cold.tts >eval &&
	test_grep "^hr	5	" eval
'

test_done
