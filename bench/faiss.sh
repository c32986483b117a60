# faiss.sh - sourced by the bench scripts that time FAISS's exact search
# beside tt-topk: builds bench/embed_tool.c against lib/libtt.a into $W
# and defines faiss_seconds.  Needs top and W set, W existing.
libtt=$top/lib/libtt.a
[ -f "$libtt" ] || libtt=$top/build/opt/libtt.a
[ -x "$top/bin/tt-topk" ] && [ -f "$libtt" ] || {
	echo "bench: run make first" >&2; exit 1; }
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib/stream" -I"$top/lib/retrieval" \
	$(pkg-config --cflags libzstd openblas) -o "$W/embed_tool" \
	"$top/bench/embed_tool.c" "$libtt" \
	$(pkg-config --libs libzstd openblas) -lcsv -lm -pthread

# faiss_seconds ITEMS.tts USERS.tts REPEAT: seconds of FAISS IndexFlatIP's
# search call alone (vectors in memory, 2 threads, k 10, no exclusion of
# seen items), every user over every item, best of REPEAT runs
faiss_seconds() {
	fd=$("$W/embed_tool" raw "$1" "$W/faiss-items.f32")
	"$W/embed_tool" raw "$2" "$W/faiss-users.f32" >/dev/null
	/usr/bin/python3 "$top/bench/faiss_topk.py" "$W/faiss-items.f32" \
		"$W/faiss-users.f32" "$fd" 10 "$3" 2>/dev/null
	rm -f "$W/faiss-items.f32" "$W/faiss-users.f32"
}
