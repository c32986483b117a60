# valgrind.sh - sourced by test-lib.sh and run-unit.sh when VALGRIND=1:
# the memcheck command the tests run the programs and unit tests under.
# A memory error or a block leaked (definitely, or indirectly through one)
# makes the program exit 126, which no test takes for a controlled failure.
# Only those leaks are shown: a "possibly lost" block is no error, and
# OpenBLAS's threads leave one whenever a signal (SIGPIPE, SIGXFSZ) ends
# a program.
vg_flags="-q --error-exitcode=126 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"

# Memcheck emulates each FMA instruction by a helper call, so the Haswell
# (AVX2+FMA) kernels OpenBLAS picks on such a CPU (or is told to by
# OPENBLAS_CORETYPE) make tt-fit 6 to over 10 times slower under it than
# the Sandy Bridge (AVX) ones; the programs' own code is checked the same.
# vg_env is put before the command: "${vg_env}exec valgrind ...".
vg_env=
if grep -qw avx /proc/cpuinfo 2>/dev/null; then
	vg_env="OPENBLAS_CORETYPE=Sandybridge "
fi
