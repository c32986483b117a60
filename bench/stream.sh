#!/bin/sh
# stream.sh - tensor stream throughput at the default zstd level.
#   sh bench/stream.sh [MB]     (default 512 MB of f32 data, uncompressed)
# Builds bench/tts-bench.c against lib/libtt.a (run make first), then
# pushes MB of weight-like f32 data through a pipe, and once more through a
# file to time writing and reading apart.  Prints "stream ... MB/s: X" lines.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
mb=${1:-512}
work=$(mktemp -d "${TMPDIR:-/tmp}/tt-stream.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

[ -f "$top/lib/libtt.a" ] || { echo "stream.sh: run make first" >&2; exit 1; }
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -I"$top/lib/stream" -o "$work/tts-bench" \
	"$top/bench/tts-bench.c" "$top/lib/libtt.a" -lzstd

echo "stream data MB: $mb"
# Through a pipe: both ends run at once, each reports its own rate.
"$work/tts-bench" write "$mb" 2>"$work/w" | "$work/tts-bench" read 2>"$work/r"
sed 's/^stream write/stream pipe write/' "$work/w"
sed 's/^stream read/stream pipe read/' "$work/r"
# Apart: compress to a file, then decompress from it.
"$work/tts-bench" write "$mb" 2>&1 >"$work/s.tts"
"$work/tts-bench" read 2>&1 <"$work/s.tts"
size=$(wc -c <"$work/s.tts")
awk -v mb="$mb" -v size="$size" \
	'BEGIN { printf "stream compression ratio: %.2f\n", mb * 1048576 / size }'
