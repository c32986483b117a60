#!/bin/sh
test_description='streams whose values lie: NaN and inf, indices out of range, a meta that promises more than the records hold, keys and records twice'
. "$(dirname "$0")/test-lib.sh"

test_pipeline || exit 1

# edit.py EDIT...: rewrite the decompressed records of a tensor stream
# (tt-stream(5)) read from stdin.  EDIT is NAME[I]=V (element I of the
# first record NAME, in its dtype; V a Python expression such as
# float("nan")), meta=KEY=VALUE (that line of the meta replaced),
# meta+LINE (a line appended to the meta; @FILE: FILE's text), dup:NAME (the first record
# NAME written twice), drop:NAME (the first record NAME left out), dims:NAME=D,... (the first record NAME given
# those dimensions, its data cut or padded with zeros to fit).
cat >edit.py <<-\EOF
import struct, sys, tts
done = set()
for r in tts.records(sys.stdin.buffer.read()):
    name, dtype, dims, body = r.name, r.dtype, r.dims, bytearray(r.data)
    copies = 1
    for e in sys.argv[1:]:
        if name in done:
            break
        if e.startswith("meta=") and name == "meta":
            k, v = e[5:].split("=", 1)
            lines = [k + "=" + v if l.split("=", 1)[0] == k else l
                     for l in body.decode().splitlines()]
            body = bytearray(("\n".join(lines) + "\n").encode())
        elif e.startswith("meta+") and name == "meta":
            line = open(e[6:]).read() if e[5:6] == "@" else e[5:]
            body = bytearray(body.decode().rstrip("\n").encode() + b"\n" +
                             line.encode() + b"\n")
        elif e == "dup:" + name:
            copies = 2
        elif e == "drop:" + name:
            copies = 0
        elif e.startswith("dims:" + name + "="):
            dims = [int(d) for d in e[len(name) + 6:].split(",")]
            size = tts.size(dtype, dims)
            body = body[:size] + bytearray(max(0, size - len(body)))
        elif e.startswith(name + "["):
            i, v = e[len(name) + 1:].split("]=", 1)
            f = tts.FORMATS[dtype]
            struct.pack_into("<" + f, body, int(i) * struct.calcsize(f), eval(v))
        if name == "meta":
            dims = [len(body)]
    done.add(name)
    for _ in range(copies):
        sys.stdout.buffer.write(tts.record(name, dtype, dims, body, r.version))
EOF
edit() {
	in=$1 out=$2
	shift 2
	zstd -q -dc "$in" | /usr/bin/python3 edit.py "$@" >"$out.raw" &&
	zstd -q -f -c "$out.raw" >"$out"
}
command -v /usr/bin/python3 >/dev/null && command -v zstd >/dev/null &&
	test_set_prereq PYZSTD

test_expect_success PYZSTD 'the editor changes what it is asked and nothing else' '
	edit items.tts same.tts &&
	tt-topk -k 5 items.tts users.tts >want.txt &&
	tt-topk -k 5 same.tts users.tts >got.txt &&
	test_cmp want.txt got.txt
'

# ---- values that are not numbers ----

test_expect_success PYZSTD 'an items stream with a NaN or inf vector: an error naming the item' '
	edit items.tts nan.tts "vectors[3]=float(\"nan\")" &&
	test_must_fail tt-topk -k 5 -o out.txt nan.tts users.tts 2>err &&
	test_grep "^tt-topk: nan.tts: record vectors: item [0-9]+.s vector is not finite \(nan at 3\)$" err &&
	! test -e out.txt &&
	edit items.tts inf.tts "vectors[17]=float(\"-inf\")" &&
	test_must_fail tt-topk -k 5 inf.tts users.tts >/dev/null 2>err &&
	test_grep "record vectors: item [0-9]+.s vector is not finite \(-inf at 1\)" err
'

test_expect_success PYZSTD 'a users stream with a NaN vector: an error naming the user' '
	id=$(tt-dump --tsv ids users.tts | sed -n 2p) &&
	edit users.tts unan.tts "vectors[9]=float(\"nan\")" &&
	test_must_fail tt-topk -k 5 items.tts unan.tts >/dev/null 2>err &&
	test_grep "^tt-topk: unan.tts: record vectors: user $id.s vector is not finite" err
'

test_expect_success PYZSTD 'a model with a NaN or inf weight: tt-embed and tt-rec name the tensor' '
	edit model.bin wnan.bin "block0.wq[7]=float(\"nan\")" &&
	test_must_fail tt-embed -o x.tts wnan.bin 2>err &&
	test_grep "^tt-embed: wnan.bin: weight block0.wq: element 7 is nan, not a finite number$" err &&
	! test -e x.tts &&
	edit model.bin winf.bin "item_emb[0]=float(\"inf\")" &&
	test_must_fail tt-embed --users winf.bin prep.tts >/dev/null 2>err &&
	test_grep "weight item_emb: element 0 is inf" err &&
	test_must_fail tt-rec winf.bin 1 2>err &&
	test_grep "^tt-rec: winf.bin: weight item_emb" err
'

test_expect_success PYZSTD 'dropout= and id_dropout= in a model meta: a number in 0..1' '
	edit model.bin dnan.bin meta=dropout=nan &&
	test_must_fail tt-embed dnan.bin >/dev/null 2>err &&
	test_grep "^tt-embed: dnan.bin: meta: dropout=nan: expected a number in 0..1$" err &&
	edit model.bin d2.bin meta=dropout=2 &&
	test_must_fail tt-embed d2.bin >/dev/null 2>err &&
	test_grep "meta: dropout=2: expected a number in 0..1" err &&
	edit model.bin dx.bin meta=dropout=0.1x &&
	test_must_fail tt-embed dx.bin >/dev/null 2>err &&
	test_grep "meta: dropout=0.1x: expected a number" err &&
	edit model.bin idn.bin meta=id_dropout=inf &&
	test_must_fail tt-embed idn.bin >/dev/null 2>err &&
	test_grep "meta: id_dropout=inf: expected a number in 0..1" err
'

# ---- indices out of range ----

test_expect_success PYZSTD 'a recs stream (of no item ids) with item index 150 of 150, or -7: tt-eval names the user' '
	id=$(tt-dump --tsv user_ids recs.tts | sed -n 1p) &&
	edit recs.tts r150.tts drop:item_ids "items[5]=150" &&
	test_must_fail tt-eval prep.tts r150.tts 2>err &&
	test_grep "^tt-eval: r150.tts: user $id.s item 6 has index 150, outside the 150 items of the data set$" err &&
	edit recs.tts rneg.tts "items[5]=-7" &&
	test_must_fail tt-eval prep.tts rneg.tts 2>err &&
	test_grep "^tt-eval: rneg.tts: record items: user $id.s item 6 has index -7$" err
'

test_expect_success PYZSTD 'tt-topk --merge: -1 pads, any other negative index is an error' '
	tt-topk --merge -k 10 items.tts recs.tts >want.txt &&
	tt-topk -k 10 items.tts users.tts >direct.txt &&
	test_cmp direct.txt want.txt &&
	edit recs.tts rneg.tts "items[5]=-7" &&
	test_must_fail tt-topk --merge items.tts rneg.tts >/dev/null 2>err &&
	test_grep "^tt-topk: rneg.tts: record items: user [0-9]+.s item 6 has index -7$" err
'

test_expect_success PYZSTD 'a users stream with user index 100000 of 200, or -3: tt-topk refuses it' '
	grep -q "^    users=200$" <<-EOF &&
	$(tt-dump users.tts)
	EOF
	edit users.tts ubig.tts "index[5]=100000" &&
	test_must_fail tt-topk -k 5 items.tts ubig.tts >/dev/null 2>err &&
	test_grep "^tt-topk: ubig.tts: record index: user [0-9]+ has index 100000, outside 0..199$" err &&
	edit users.tts uneg.tts "index[5]=-3" &&
	test_must_fail tt-topk -k 5 items.tts uneg.tts >/dev/null 2>err &&
	test_grep "record index: user [0-9]+ has index -3" err
'

test_expect_success PYZSTD 'a seen item outside the items: an error, not ignored' '
	edit users.tts seen.tts "seen[0]=100000000" &&
	test_must_fail tt-topk -k 5 items.tts seen.tts >/dev/null 2>err &&
	test_grep "^tt-topk: seen.tts: record seen: user [0-9]+ has seen item index 100000000, outside the 150 items$" err
'

# ---- a meta that promises more than the file holds ----

test_expect_success PYZSTD 'items=2147483647 in a small model: the weight disagrees, nothing allocated for it' '
	edit model.bin huge.bin meta=items=2147483647 &&
	test_must_fail tt-embed huge.bin >/dev/null 2>err &&
	test_grep "^tt-embed: huge.bin: record item_emb: expected f32 \(2147483647,8\), not f32 \(150,8\)$" err
'

test_expect_success PYZSTD 'a batch record of another shape than its batch: refused before any is read' '
	tt-batch --history 10 --batch 16 --epochs 1 prep.tts >b.tts &&
	edit b.tts targetshape.tts dims:targets=16,9 &&
	test_must_fail tt-fit --dim 8 --hidden 8 --history 10 --blocks 1 --threads 1 \
		--max-steps 3 targetshape.tts >/dev/null 2>err &&
	test_grep "^tt-fit: targetshape.tts: record targets: expected i32 \(16,10\), not i32 \(16,9\)" err &&
	edit b.tts histshape.tts dims:hist=8,10 &&
	test_must_fail tt-fit --dim 8 --hidden 8 --history 10 --blocks 1 --threads 1 \
		--max-steps 3 histshape.tts >/dev/null 2>err &&
	test_grep "^tt-fit: histshape.tts: record hist: expected i32 \(16,L\), L <= 4096, not i32 \(8,10\)" err
'

test_expect_success PYZSTD 'a batch stream with negatives (an earlier tt-batch): refused, saying why' '
	edit b.tts negs.tts meta+negatives=3 &&
	test_must_fail tt-fit --threads 1 negs.tts >/dev/null 2>err &&
	test_grep "negatives=3: batches with negatives are for a loss tt-fit no longer has" err
'

# ---- twice ----

test_expect_success PYZSTD 'a meta key given twice: an error naming it' '
	edit model.bin k2.bin meta+dropout=0.5 &&
	test_must_fail tt-embed k2.bin >/dev/null 2>err &&
	test_grep "^tt-embed: k2.bin: record meta: dropout= given twice$" err &&
	edit prep.tts k2.tts meta+kind=batch &&
	test_must_fail tt-batch k2.tts >/dev/null 2>err &&
	test_grep "^tt-batch: k2.tts: record meta: kind= given twice$" err
'

test_expect_success PYZSTD 'a user id twice in a prep stream: an error naming it' '
	id=$(tt-dump --tsv user_ids prep.tts | sed -n 1p) &&
	edit prep.tts u2.tts "user_ids[3]=$id" &&
	test_must_fail tt-fit --max-steps 1 -o m.bin u2.tts 2>err &&
	test_grep "^tt-fit: u2.tts: record user_ids: id $id appears twice$" err &&
	! test -e m.bin &&
	test_must_fail tt-embed --users model.bin u2.tts >/dev/null 2>err &&
	test_grep "record user_ids: id $id appears twice" err
'

test_expect_success PYZSTD 'a weight or id record twice in a model stream: an error naming it' '
	edit model.bin w2.bin dup:block0.wq &&
	test_must_fail tt-embed w2.bin >/dev/null 2>err &&
	test_grep "^tt-embed: w2.bin: weight block0.wq: appears twice$" err &&
	edit model.bin i2.bin dup:item_ids &&
	test_must_fail tt-embed i2.bin >/dev/null 2>err &&
	test_grep "^tt-embed: i2.bin: record item_ids: appears twice$" err
'

# ---- messages ----

test_expect_success PYZSTD 'a meta record over the limit is named once' '
	/usr/bin/python3 -c "print(\"pad=\" + \"x\" * 1048576)" >pad &&
	edit model.bin m.bin meta+@pad &&
	test_must_fail tt-embed m.bin >/dev/null 2>err &&
	test_grep "^tt-embed: m.bin: record meta: [0-9]+ bytes, more than the limit" err &&
	! grep -q "record meta: record meta" err
'

test_done
