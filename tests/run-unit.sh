# Sourced by tests/t00NN-unit-*.sh: run one C unit test binary, whose
# output is already TAP.  make check builds them first.
dir=${TT_UNIT_DIR:-$(cd "$(dirname "$0")/.." && pwd)/build/opt/tests}
bin="$dir/$1"
[ -x "$bin" ] || { echo "Bail out! $bin is not built (run make check)"; exit 1; }
exec "$bin"
