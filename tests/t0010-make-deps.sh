#!/bin/sh
test_description='make on a machine without the packages: it installs them, then builds and links'
. "$(dirname "$0")/test-lib.sh"

# A fresh machine, imitated: until the install step has run, dpkg-query
# knows no package and pkg-config and mpicc are not there; after it, all
# three are the real ones.  The install step (DEPS_INSTALL) is a stub that
# records what it was asked for; apt-get is the same stub, so nothing here
# installs anything.
mkdir fake
for tool in pkg-config dpkg-query mpicc; do
	real=$(command -v $tool) || continue
	cat >fake/$tool <<-EOF
	#!/bin/sh
	[ -f "$SCRATCH/installed" ] || { echo "$tool: not installed yet" >&2; exit 127; }
	exec "$real" "\$@"
	EOF
done
cat >install <<EOF
#!/bin/sh
echo "\$*" >>"$SCRATCH/install.log"
touch "$SCRATCH/installed"
EOF
cp install fake/apt-get
chmod +x install fake/*
[ -f fake/pkg-config ] && [ -f fake/dpkg-query ] && test_set_prereq DEBIAN
test_have_prereq DEBIAN && [ -f fake/mpicc ] && test_set_prereq MPICC

# The sources alone, copied, so that the build here is a first one.
mkdir -p tree/cmd &&
cp "$TOP/Makefile" tree/ && cp "$TOP"/cmd/*.[ch] tree/cmd/ &&
cp -R "$TOP/lib" tree/ && rm -f tree/lib/libtt.a ||
	exit 1

# Run as a make of its own, whatever make (and its options) runs the tests.
fresh_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MPI -u SANITIZE PATH="$SCRATCH/fake:$PATH" \
		make -C tree -j2 CFLAGS=-O0 DEPS_INSTALL="sh $SCRATCH/install" "$@"
}

# make with the install step the Makefile chooses (apt-get is the stub),
# as user $1 as far as id -u tells.
make_as() {
	mkdir -p "uid$1" &&
	printf '#!/bin/sh\necho %s\n' "$1" >"uid$1/id" && chmod +x "uid$1/id" &&
	uid=$1 && shift &&
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MPI -u SANITIZE PATH="$SCRATCH/uid$uid:$SCRATCH/fake:$PATH" \
		make -C tree "$@"
}

test_expect_success DEBIAN 'one make installs the build packages, then builds and links bin/*' '
	fresh_make 2>&1 &&
	for c in tree/cmd/*.c; do
		p=$(basename "$c" .c) &&
		if test $p = cli; then continue; fi &&
		test -x "tree/bin/$p" &&
		tree/bin/$p --version >version &&
		test_grep "^$p \\(tt\\) " version || return 1
	done &&
	test -f tree/lib/libtt.a
'

# A library returns its errors; printing them and exiting is the
# program's (cmd/cli.c).  _exit is a forked child's own end (a gzip feeder).
test_expect_success 'libtt.a neither exits nor prints: no exit, abort or standard stream in it' '
	nm -A "$TOP/lib/libtt.a" >symbols &&
	test_grep " T tts_copy_record\$" symbols &&
	! grep -E " U (exit|abort|perror|err|errx|warn|warnx|printf|puts|stderr|stdout)\$" symbols &&
	! grep "cli\.o:" symbols
'

test_expect_success DEBIAN 'it asked once, for the build packages only' '
	test $(wc -l <install.log) = 1 &&
	test_grep "(^| )libzstd-dev( |\$)" install.log &&
	test_grep "(^| )libopenblas-dev( |\$)" install.log &&
	test_grep "(^| )libcsv-dev( |\$)" install.log &&
	! grep -E "python3|valgrind|clang|openmpi|mandoc" install.log
'

test_expect_success DEBIAN 'a second make asks for nothing and has nothing to do' '
	fresh_make >second 2>&1 &&
	test $(wc -l <install.log) = 1 &&
	! grep -E "^(cc|ar) " second
'

test_expect_success DEBIAN 'a source removed from lib/: the archive is remade without its object' '
	printf "int probe_only(void) { return 1; }\n" >tree/lib/data/probe_only.c &&
	fresh_make >/dev/null 2>&1 &&
	nm tree/lib/libtt.a >with &&
	test_grep "^probe_only\.o:" with &&
	rm tree/lib/data/probe_only.c &&
	fresh_make >/dev/null 2>&1 &&
	nm tree/lib/libtt.a >without &&
	! grep "^probe_only\.o:" without &&
	test_grep "^tts_read\.o:" without
'

test_expect_success MPICC 'make MPI=1 installs the build and extra sets, then links tt-fit with MPI' '
	rm -f installed install.log &&
	fresh_make MPI=1 bin/tt-fit 2>&1 &&
	test $(wc -l <install.log) = 1 &&
	test_grep "(^| )libzstd-dev( |\$)" install.log &&
	test_grep "(^| )libopenmpi-dev( |\$)" install.log &&
	! grep -E "python3-torch|mandoc" install.log &&
	nm tree/bin/tt-fit | grep -q " U MPI_Allreduce"
'

test_expect_success DEBIAN 'not as root, make deps-check prints what to run and fails' '
	rm -f installed install.log &&
	test_must_fail make_as 1000 deps-check >out 2>&1 &&
	test_grep "^  sudo apt-get update && sudo apt-get install perl mandoc zstd python3 python3-numpy python3-torch socat\$" out &&
	! test -f install.log
'

test_expect_success DEBIAN 'as root, make deps installs every set by apt-get' '
	rm -f installed install.log &&
	make_as 0 deps &&
	cat >expect <<-EOF &&
	update -qq
	install -y -qq --no-install-recommends build-essential pkg-config libzstd-dev libopenblas-dev libcsv-dev perl mandoc zstd python3 python3-numpy python3-torch socat libopenmpi-dev openmpi-bin clang libclang-rt-dev valgrind python3-faiss time gnuplot-nox
	EOF
	test_cmp expect install.log
'

test_done
