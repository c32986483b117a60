#!/bin/sh
# make-corpus.sh - (re)make the seed corpora in tests/fuzz/corpus/ from the
# project's own generated data.  Run from the top directory after `make`.
# Each seed starts with the target's mode byte(s): see the fuzz_*.c heads.
set -e
PATH="$PWD/bin:$PATH"
C=tests/fuzz/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
rm -rf "$C" && mkdir -p "$C/fuzz_tts" "$C/fuzz_model" "$C/fuzz_ratings" "$C/fuzz_side" \
	"$C/fuzz_streams"

# seed: NAME BYTES... then the file on stdin
seed() { out=$1; shift; { printf "$@"; cat; } >"$out"; }

ml-synth --users 12 --items 40 --ratings 240 --seed 5 --format dat \
	--movies "$T/movies.dat" --users-out "$T/users.dat" | head -n 60 >"$T/r.dat"
ml-prep "$T/r.dat" >"$T/prep.tts"
tt-fit --dim 4 --hidden 4 --heads 1 --history 4 --blocks 1 --threads 1 --max-steps 1 \
	"$T/prep.tts" >"$T/tt.bin"
tt-fit --arch seed --dim 4 --hidden 4 --heads 1 --history 4 --threads 1 --max-steps 1 \
	"$T/prep.tts" >"$T/seed.bin"
tt-batch --history 4 --batch 4 --epochs 1 "$T/prep.tts" | head -c 100000 >"$T/batch.tts" || true
tt-embed "$T/tt.bin" >"$T/items.tts"

for f in prep tt seed items; do
	ext=tts; [ -f "$T/$f.bin" ] && ext=bin
	seed "$C/fuzz_tts/$f" '\000' <"$T/$f.$ext"
	seed "$C/fuzz_tts/$f-pieces" '\002' <"$T/$f.$ext"
	seed "$C/fuzz_tts/$f-copy" '\004' <"$T/$f.$ext"
	zstd -q -dc "$T/$f.$ext" | seed "$C/fuzz_tts/$f-raw" '\001'
done
seed "$C/fuzz_tts/batch" '\000' <"$T/batch.tts"
for f in tt seed; do
	seed "$C/fuzz_model/$f" '\000' <"$T/$f.bin"
	zstd -q -dc "$T/$f.bin" | seed "$C/fuzz_model/$f-raw" '\001'
done

# streams: byte 0 the reader (0 prep 1 batch 2 embeddings 3 items 4 recs),
# bit 3 raw records
tt-embed --users "$T/tt.bin" "$T/prep.tts" >"$T/users.tts"
tt-topk -k 3 --format tts "$T/items.tts" "$T/users.tts" >"$T/recs.tts"
r=0
for f in prep batch users items recs; do
	seed "$C/fuzz_streams/$f-$r" "\\00$r" <"$T/$f.tts"
	zstd -q -dc "$T/$f.tts" | seed "$C/fuzz_streams/$f-$r-raw" "\\01$r"
	r=$((r + 1))
done

# ratings: byte 0 the format (0 auto 1 dat 2 tsv 3 csv 4 seq), byte 1 the cut
i=0
for fmt in dat tsv csv seq; do
	i=$((i + 1))
	ml-synth --users 4 --items 40 --ratings 80 --seed 7 --format $fmt | head -n 8 >"$T/r.$fmt"
	seed "$C/fuzz_ratings/$fmt" "\\00$i\\021" <"$T/r.$fmt"
	seed "$C/fuzz_ratings/$fmt-auto" '\000\007' <"$T/r.$fmt"
done
printf 'u,i,r,t\n1,2,3.5,4\n"1","3",4,"5"\r\n' | seed "$C/fuzz_ratings/csv-named" '\023\011'
printf '\357\273\2771::10::5::1\r\n\r\nbad\n1::20::3::2' | seed "$C/fuzz_ratings/dat-skip" '\011\005'

# side data: byte 0 movies (0), users (1), map (2)
printf '1::Toy Story (1995)::Animation|Children'"'"'s|Comedy\n2::Citt\340 aperta (1945)::Drama|War\n' |
	seed "$C/fuzz_side/movies-dat" '\000'
printf 'movieId,title,genres\n1,"Toy Story, The (1995)",Adventure|Comedy\n2,Heat (1995),(no genres listed)\n' |
	seed "$C/fuzz_side/movies-csv" '\000'
printf '1::F::1::10::48067\n2::M::56::16::70072\n' | seed "$C/fuzz_side/users" '\001'
head -n 5 "$T/movies.dat" | seed "$C/fuzz_side/synth-movies" '\000'
head -n 5 "$T/users.dat" | seed "$C/fuzz_side/synth-users" '\001'
printf '1 1\n2 5\n\n3 7\n' | seed "$C/fuzz_side/map" '\002'
du -sh "$C"
