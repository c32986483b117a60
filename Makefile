# tt: a two-tower recommender made of Unix filters.
#   make            build bin/* and lib/libtt.a
#   make check      run every test (SANITIZE=1: with ASan+UBSan; VALGRIND=1: under memcheck)
#   make MPI=1      tt-fit for mpirun (Open MPI): data-parallel training
#   make demo       train on MovieLens-1M (ML1M=DIR) or generated data, show recommendations
#   make bench      speed and quality against reference tools -> bench/results.md
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages the build and tests need

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
PKGS = libzstd openblas
DEB_PACKAGES = build-essential pkg-config libzstd-dev libopenblas-dev libcsv-dev \
	mandoc zstd gzip perl time python3 python3-numpy python3-torch python3-faiss gnuplot-nox \
	valgrind clang libclang-rt-dev libopenmpi-dev openmpi-bin

CFLAGS ?= -O3 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(SANITIZE),1)
MODE = san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
MODE = opt
endif
ifeq ($(MPI),1)
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS := $(shell mpicc --showme:link 2>/dev/null)
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Ilib -pthread -MMD -MP
# --as-needed: a program that calls no BLAS does not load OpenBLAS, whose
# start-up reserves memory and threads (lib/blas.h)
LDLIBS = -Wl,--as-needed $(PKG_LIBS) -lcsv -lm -pthread

OBJDIR = build/$(MODE)
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(OBJDIR)/lib/%.o)
CMD_SRC = $(wildcard cmd/*.c)
PROGRAMS = $(CMD_SRC:cmd/%.c=bin/%)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_TESTS = $(UNIT_SRC:tests/unit/%.c=$(OBJDIR)/tests/%)
LIBTT = $(OBJDIR)/libtt.a
MANPAGES = $(wildcard man/*.[1-9])

all: deps-check $(PROGRAMS) lib/libtt.a

# The programs in bin/ are rebuilt whenever the build mode changes.
bin/.mode: FORCE
	@mkdir -p bin
	@[ "$$(cat $@ 2>/dev/null)" = "$(MODE)$(if $(filter 1,$(MPI)),-mpi)" ] || echo $(MODE)$(if $(filter 1,$(MPI)),-mpi) > $@

$(OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBTT): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

lib/libtt.a: $(LIBTT)
	cp $< $@

bin/%: $(OBJDIR)/cmd/%.o $(LIBTT) bin/.mode
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBTT) $(LDLIBS)

# MPI=1: tt-fit links the MPI build of lib/dist.c before libtt.a's
# single-process one, which the linker then leaves out.
ifeq ($(MPI),1)
$(OBJDIR)/mpi/dist.o: lib/dist.c
	@mkdir -p $(dir $@)
	@[ -n "$(MPI_LIBS)" ] || { echo "tt: MPI=1 needs mpicc (apt-get install libopenmpi-dev openmpi-bin)"; exit 1; }
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -DTT_MPI -c -o $@ $<

bin/tt-fit: $(OBJDIR)/cmd/tt-fit.o $(OBJDIR)/mpi/dist.o $(LIBTT) bin/.mode
	$(CC) $(ALL_CFLAGS) -o $@ $< $(OBJDIR)/mpi/dist.o $(LIBTT) $(LDLIBS) $(MPI_LIBS)
endif

$(OBJDIR)/tests/%: $(OBJDIR)/tests/unit/%.o $(LIBTT)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBTT) $(LDLIBS)

check: all $(UNIT_TESTS)
	@mandoc -Tlint -W warning $(MANPAGES) && echo "man pages: lint clean"
	TT_UNIT_DIR=$(CURDIR)/$(OBJDIR)/tests VALGRIND=$(VALGRIND) prove -j2 $(if $(V),-v) tests/t[0-9]*.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan and UBSan, built by clang
# from the lib/ sources (not the gcc archive); each runs FUZZ_SECONDS from
# its seed corpus, and any crash, leak, timeout or sanitizer report fails.
# Findings go to build/fuzz/<target>-crash-*; new inputs to build/fuzz/work/.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS) -Ilib -pthread
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ = $(LIB_SRC:lib/%.c=build/fuzz/lib/%.o)

build/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@set -e; for t in $(FUZZ_BIN:build/fuzz/%=%); do \
		mkdir -p build/fuzz/work/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		ASAN_OPTIONS=allocator_may_return_null=1 \
		build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=build/fuzz/$$t- \
			build/fuzz/work/$$t tests/fuzz/corpus/$$t 2>build/fuzz/$$t.log || \
			{ tail -n 60 build/fuzz/$$t.log; echo "fuzz: $$t: FAILED (see build/fuzz/$$t.log)"; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' build/fuzz/$$t.log | tail -n 1; \
	done

# Missing build dependencies: install them as root, else say what to run.
deps-check:
	@missing=; \
	pkg-config --exists $(PKGS) 2>/dev/null || missing=1; \
	[ -f /usr/include/csv.h ] || missing=1; \
	command -v mandoc >/dev/null || missing=1; \
	command -v prove >/dev/null || missing=1; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory deps; \
		else echo "tt: missing build dependencies; run:"; \
		echo "  sudo apt-get install $(DEB_PACKAGES)"; exit 1; fi; \
	fi

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps needs root; run:"; \
		echo "  sudo apt-get update && sudo apt-get install $(DEB_PACKAGES)"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES)

demo: all
	@sh examples/demo.sh $(ML1M)

# bench/mpi.sh needs tt-fit built for mpirun
bench:
	@$(MAKE) --no-print-directory MPI=1 all
	@sh bench/run.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	for p in $(MANPAGES); do s=$${p##*.}; install -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -rf build bin lib/libtt.a tests/scratch

FORCE:
.PHONY: all check fuzz fuzz-build deps deps-check demo bench install clean FORCE
.PRECIOUS: $(OBJDIR)/%.o build/fuzz/lib/%.o
.DELETE_ON_ERROR:

-include $(shell find build -name '*.d' 2>/dev/null)
