#!/bin/sh
# make bench: run every bench/ script and write bench/results.md, each
# figure beside its reference measured in the same run; the README's
# results section is replaced by that file's content.
#   sh bench/run.sh [SCRIPT...]     (default: stream prep fit peer mpi topk scale rec quality ablation coldstart temporal)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/results.md
raw=$(mktemp "${TMPDIR:-/tmp}/tt-bench.XXXXXX")
[ -f "$out" ] && cp "$out" "$out.old"
trap 'rm -f "$raw"' EXIT
all="stream prep fit peer mpi topk scale rec quality ablation coldstart temporal warmstart userfeatures"
scripts=${*:-$all}

for s in $scripts; do
	echo "bench: $s" >&2
	sh "$top/bench/$s.sh" >"$raw.$s" 2>"$raw.$s.err" ||
		echo "$s failed: $(tail -1 "$raw.$s.err")" >>"$raw.$s"
	cat "$raw.$s" >&2
done

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
core=${OPENBLAS_CORETYPE:-$(grep -o -m1 -E 'avx512f|avx2' /proc/cpuinfo | head -1)}
{
	echo "## Results"
	echo
	echo "Measured by \`make bench\` (sections: \`sh bench/run.sh NAME...\`) on" \
		"$(date -u +%Y-%m-%d): ${cpu:-unknown CPU}," \
		"$(nproc) cores, $(free -g | awk '/^Mem/ {print $2}') GiB," \
		"OpenBLAS kernel ${core:-default}; this time: $scripts."
	echo "Each reference ran in the same run, on the same machine."
	for s in $all; do
		echo
		echo "### $s"
		if [ -f "$raw.$s" ]; then
			echo
			echo "| measure | value |"
			echo "|---|---|"
			sed -n 's/^\(.*\): \(.*\)$/| \1 | \2 |/p' "$raw.$s"
			grep -v ': ' "$raw.$s" | sed 's/^/    /'
			rm -f "$raw.$s" "$raw.$s.err"
		else	# not run this time: the section of the previous results, dated
			awk -v s="### $s" '$0 == s { on = 1; next } /^### / { on = 0 } on' \
				"$out.old" 2>/dev/null
		fi
	done
} >"$out.new"
mv "$out.new" "$out"
rm -f "$out.old"
echo "bench: wrote $out" >&2

# The README shows the same file between its markers.
readme=$top/README.md
if grep -q '^<!-- results:begin -->' "$readme" 2>/dev/null; then
	awk -v f="$out" '
		/^<!-- results:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
		/^<!-- results:end -->/ { skip = 0 }
		!skip' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
fi
