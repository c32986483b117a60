#!/bin/sh
test_description='similar items (tt-topk --similar, tt-rec --similar) and tt-rec as a service: --exclude, ids left out said in the answer, --threads, over a socket'
. "$(dirname "$0")/test-lib.sh"

test_pipeline --to embed || exit 1

test_expect_success 'tt-topk --similar: the K items of highest cosine, the item itself left out' '
	printf "5\n# a comment\n\n17\n" >ids &&
	tt-topk --similar -k 4 items.tts ids >got &&
	tt-dump --npy npy items.tts &&
	/usr/bin/python3 -c "
import numpy as np, tts
r = tts.load_npy(\"npy\")
v, ids = r[\"vectors\"].astype(np.float64), list(r[\"ids\"])
u = v / np.linalg.norm(v, axis=1, keepdims=True)
for q in (5, 17):
    s = u @ u[ids.index(q)]
    s[ids.index(q)] = -np.inf
    for rank, j in enumerate(np.argsort(-s, kind=\"stable\")[:4]):
        print(q, rank + 1, ids[j], sep=\"\t\")
" >expect &&
	cut -f1-3 got >actual && test_cmp expect actual &&
	awk -F"\t" "\$1 == \$3" got >self && ! test -s self
'

test_expect_success 'tt-topk --similar: --exclude, an unknown id, options that do not apply' '
	top=$(sed -n "1s/^5	1	\([0-9]*\).*/\1/p" got) &&
	echo "$top" >ex && tt-topk --similar -k 4 --exclude ex items.tts ids >gx &&
	! cut -f3 gx | grep -qx "$top" &&
	echo "5 $top" >pair && tt-topk --similar -k 4 --exclude pair items.tts ids >gp &&
	! grep -q "^5	.*	$top	" gp && grep "^17	" gp >p17 && grep "^17	" got >g17 &&
	test_cmp g17 p17 &&
	printf "5\n99999\n" | test_must_fail tt-topk --similar items.tts >out 2>err &&
	echo "tt-topk: <stdin>:2: unknown item id 99999" >expect && test_cmp expect err &&
	test_must_fail tt-topk --similar --format tts items.tts ids 2>err &&
	test_grep "^tt-topk: --similar takes no --merge, --shard, --keep-seen or --format tts$" err
'

test_expect_success 'tt-topk --similar of an item of a zero vector: said, no list, the others answered' '
	zstd -q -dc items.tts | /usr/bin/python3 -c "
import sys, struct, tts
for r in tts.records(sys.stdin.buffer.read()):
    if r.name == \"vectors\":
        d = bytearray(r.data); d[:4 * r.dims[1]] = bytes(4 * r.dims[1])
        r = tts.Record(r.name, r.dtype, r.dims, bytes(d), r.version)
    sys.stdout.buffer.write(r.bytes())
" | zstd -q -c >zero.tts &&
	z=$(tt-dump --tsv ids zero.tts | sed -n 1p) &&
	printf "%s\n5\n" "$z" | tt-topk --similar -k 3 zero.tts >out 2>err &&
	echo "tt-topk: <stdin>:1: item $z has a zero vector: nothing is like it, no list" >expect &&
	test_cmp expect err && test $(cut -f1 out | sort -u) = 5
'

test_expect_success 'tt-rec --similar: for one item, what tt-topk --similar gives' '
	tt-rec --similar -k 4 model.bin 5 >one &&
	grep "^5	" got | cut -f2- >expect && awk NF one | cut -f2- >actual &&
	test_cmp expect actual &&
	tt-rec --similar -k 4 model.bin 5 17 >two &&
	! cut -f3 two | grep -qx -e 5 -e 17
'

test_expect_success 'tt-rec --exclude: never recommended; an id the model lacks is a warning' '
	tt-rec -k 5 model.bin 1 2 3 >plain &&
	first=$(sed -n "1s/^1	1	\([0-9]*\).*/\1/p" plain) && test -n "$first" &&
	printf "%s\n99999\n" "$first" >stock &&
	tt-rec -k 5 --exclude stock model.bin 1 2 3 >ex 2>err &&
	echo "tt-rec: stock:2: item 99999 is not in the model, not excluded" >expect &&
	test_cmp expect err &&
	! cut -f3 ex | grep -qx "$first" &&
	sed -n "2,5p" plain | cut -f3 >expect && sed -n "1,4p" ex | cut -f3 >actual &&
	test_cmp expect actual &&
	echo "x1" >bad && test_must_fail tt-rec --exclude bad model.bin 1 2>err &&
	echo "tt-rec: bad:1: item id '"'"'x1'"'"' is not a non-negative integer (the data'"'"'s item ids are integers)" >expect && test_cmp expect err
'

test_expect_success 'tt-rec: the same answers on 1 and 2 threads' '
	printf "1 2 3\n4 5\n9\n" >h &&
	tt-rec -t 1 -k 6 model.bin <h >t1 && tt-rec -t 2 -k 6 model.bin <h >t2 &&
	test_cmp t1 t2
'

command -v socat >/dev/null && test_set_prereq SOCAT

test_expect_success SOCAT 'tt-rec behind socat: every client gets its own answers' '
	port=$((20000 + $$ % 20000)) &&
	{ socat TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork EXEC:"tt-rec -t 1 -k 6 model.bin" 2>srv.err & } &&
	srv=$! &&
	{
		wait_until "echo 1 | socat -T 5 - TCP:127.0.0.1:$port >/dev/null 2>&1" &&
		{ socat -T 20 - TCP:127.0.0.1:$port <h >c1 & } && c1=$! &&
		{ printf "4 5\n" | socat -T 20 - TCP:127.0.0.1:$port >c2 & } && c2=$! &&
		wait $c1 && wait $c2
		rc=$?; kill $srv; wait $srv; test $rc = 0
	} &&
	test_cmp t1 c1 &&
	printf "4 5\n" | tt-rec -t 1 -k 6 model.bin >expect && test_cmp expect c2
'

test_done
