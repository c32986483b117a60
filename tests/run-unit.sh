# Sourced by tests/t00NN-unit-*.sh: run one C unit test binary, whose
# output is already TAP.  make check builds them first.  With VALGRIND=1
# it runs under memcheck (tests/valgrind.sh), as the programs do.
dir=${TT_UNIT_DIR:-$(cd "$(dirname "$0")/.." && pwd)/build/opt/tests}
# dash does not pass arguments to ".": then the name comes from the script's.
name=${1:-test_$(basename "$0" .sh | sed 's/^t[0-9]*-unit-//')}
bin="$dir/$name"
[ -x "$bin" ] || { echo "Bail out! $bin is not built (run make check)"; exit 1; }
if [ "$VALGRIND" = 1 ]; then
	. "$(dirname "$0")/valgrind.sh"
	eval "${vg_env}exec valgrind $vg_flags \"\$bin\""
fi
exec "$bin"
