# tt: a two-tower recommender made of Unix filters.
#   make            build bin/* and lib/libtt.a
#   make check      run every test (SANITIZE=1: with ASan+UBSan; VALGRIND=1: under memcheck)
#   make MPI=1      tt-fit for mpirun (Open MPI): data-parallel training
#   make demo       train on MovieLens-1M (ML1M=DIR) or generated data, show recommendations
#   make bench      speed and quality against reference tools -> bench/results.md
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages of every set below (or one:
#                   make deps-build, deps-check, deps-extra)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
PKGS = libzstd openblas

# The Debian packages, by what needs them, each set installed by the
# targets that need it when missing: building and running the programs
# (every target that builds); make check (VALGRIND=1 adds the extra set);
# make MPI=1, make fuzz and make bench (which needs every set).
BUILD_PACKAGES = build-essential pkg-config libzstd-dev libopenblas-dev libcsv-dev
CHECK_PACKAGES = perl mandoc zstd python3 python3-numpy python3-torch socat
EXTRA_PACKAGES = libopenmpi-dev openmpi-bin clang libclang-rt-dev valgrind \
	python3-faiss time gnuplot-nox

# $(call install_missing,PACKAGES): those dpkg does not list as installed
# go to DEPS_INSTALL (nothing is checked without dpkg, as off Debian).
# As root it installs them; otherwise it prints the line to run and fails.
ifeq ($(shell id -u),0)
DEPS_INSTALL = sh -c 'echo "tt: installing $$*" && apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$$@"' tt
else
DEPS_INSTALL = sh -c 'echo "tt: missing packages; run:"; echo "  sudo apt-get update && sudo apt-get install $$*"; exit 1' tt
endif
install_missing = if command -v dpkg-query >/dev/null; then \
	have=" $$(dpkg-query -W -f='$${db:Status-Abbrev}$${Package} ' $(1) 2>/dev/null)"; \
	missing=; for p in $(1); do \
		case "$$have" in *" "?"i $$p "*) ;; *) missing="$$missing $$p" ;; esac; \
	done; \
	[ -z "$$missing" ] || $(DEPS_INSTALL) $$missing; \
	fi

# The packages' compiler and linker flags, and mpicc's with MPI=1, asked
# for once the packages are installed: make remakes this file (installing
# what is missing first), then reads the makefile again with it.
CONFIG = build/config$(if $(filter 1,$(MPI)),-mpi).mk
ifneq ($(filter-out clean deps deps-build deps-check deps-extra,$(or $(MAKECMDGOALS),all)),)
include $(CONFIG)
endif

CFLAGS ?= -O3 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
ifeq ($(SANITIZE),1)
MODE = san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
MODE = opt
endif
# No errno from libm: no caller reads it, and sqrtf and friends vectorise.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -fno-math-errno $(WARN) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) $(LIB_INCLUDES) -pthread -MMD -MP
# --as-needed: a program that calls no BLAS does not load OpenBLAS, whose
# start-up reserves memory and threads (lib/model/blas.h)
LDLIBS = -Wl,--as-needed $(PKG_LIBS) -lcsv -lm -pthread

OBJDIR = build/$(MODE)
# lib/ by pipeline stage, each folder including headers of its own stage
# and earlier ones only; every folder is on the include path, so a header
# is named by its file name alone, which must be unique in lib/ (as must
# an object's, the archive's member name).
LIB_DIRS = stream data model retrieval
LIB_INCLUDES = $(LIB_DIRS:%=-Ilib/%)
LIB_SRC = $(wildcard $(LIB_DIRS:%=lib/%/*.c))
LIB_OBJ = $(LIB_SRC:lib/%.c=$(OBJDIR)/lib/%.o)
# cmd/cli.c: what the programs share (messages, exits, output files), kept
# out of libtt.a, which returns errors and leaves exiting to its callers.
CLI_OBJ = $(OBJDIR)/cmd/cli.o
CMD_SRC = $(filter-out cmd/cli.c,$(wildcard cmd/*.c))
PROGRAMS = $(CMD_SRC:cmd/%.c=bin/%)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_TESTS = $(UNIT_SRC:tests/unit/%.c=$(OBJDIR)/tests/%)
LIBTT = $(OBJDIR)/libtt.a
MANPAGES = $(wildcard man/*.[1-9])

all: $(PROGRAMS) lib/libtt.a

$(CONFIG): Makefile
	@$(call install_missing,$(BUILD_PACKAGES) $(if $(filter 1,$(MPI)),$(EXTRA_PACKAGES)))
	@mkdir -p $(@D)
	@cflags=$$(pkg-config --cflags $(PKGS)) && libs=$$(pkg-config --libs $(PKGS)) && \
	printf 'PKG_CFLAGS = %s\nPKG_LIBS = %s\n' "$$cflags" "$$libs" >$@.tmp && \
	if [ "$(MPI)" = 1 ]; then \
		cflags=$$(mpicc --showme:compile) && libs=$$(mpicc --showme:link) && \
		printf 'MPI_CFLAGS = %s\nMPI_LIBS = %s\n' "$$cflags" "$$libs" >>$@.tmp; \
	fi && mv $@.tmp $@

# The programs in bin/ are rebuilt whenever the build mode changes.
bin/.mode: FORCE
	@mkdir -p bin
	@[ "$$(cat $@ 2>/dev/null)" = "$(MODE)$(if $(filter 1,$(MPI)),-mpi)" ] || echo $(MODE)$(if $(filter 1,$(MPI)),-mpi) > $@

$(OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The archive is remade when its list of objects changes too: the object
# of a source removed from lib/ must not stay in it.
$(OBJDIR)/libtt.objects: FORCE
	@mkdir -p $(@D)
	@echo '$(LIB_OBJ)' | cmp -s - $@ || echo '$(LIB_OBJ)' >$@

$(LIBTT): $(LIB_OBJ) $(OBJDIR)/libtt.objects
	rm -f $@ && ar rcs $@ $(LIB_OBJ)

lib/libtt.a: $(LIBTT)
	cp $< $@

bin/%: $(OBJDIR)/cmd/%.o $(CLI_OBJ) $(LIBTT) bin/.mode
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CLI_OBJ) $(LIBTT) $(LDLIBS)

# MPI=1: tt-fit links the MPI build of lib/model/dist.c before libtt.a's
# single-process one, which the linker then leaves out.
ifeq ($(MPI),1)
$(OBJDIR)/mpi/dist.o: lib/model/dist.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -DTT_MPI -c -o $@ $<

bin/tt-fit: $(OBJDIR)/cmd/tt-fit.o $(CLI_OBJ) $(OBJDIR)/mpi/dist.o $(LIBTT) bin/.mode
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CLI_OBJ) $(OBJDIR)/mpi/dist.o $(LIBTT) $(LDLIBS) $(MPI_LIBS)
endif

$(OBJDIR)/tests/%: $(OBJDIR)/tests/unit/%.o $(LIBTT)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBTT) $(LDLIBS)

check: all $(UNIT_TESTS)
	@$(call install_missing,$(CHECK_PACKAGES) $(if $(filter 1,$(VALGRIND)),$(EXTRA_PACKAGES)))
	@mandoc -Tlint -W warning $(MANPAGES) && echo "man pages: lint clean"
	TT_UNIT_DIR=$(CURDIR)/$(OBJDIR)/tests VALGRIND=$(VALGRIND) prove -j2 $(if $(V),-v) tests/t[0-9]*.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan and UBSan, built by clang
# from the lib/ sources (not the gcc archive); each runs FUZZ_SECONDS from
# its seed corpus, and any crash, leak, timeout or sanitizer report fails.
# Findings go to build/fuzz/<target>-crash-*; new inputs to build/fuzz/work/.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS) $(LIB_INCLUDES) -pthread
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ = $(LIB_SRC:lib/%.c=build/fuzz/lib/%.o)

build/fuzz/lib/%.o: lib/%.c | deps-extra
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ) | deps-extra
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

deps:
	@$(call install_missing,$(BUILD_PACKAGES) $(CHECK_PACKAGES) $(EXTRA_PACKAGES))
deps-build:
	@$(call install_missing,$(BUILD_PACKAGES))
deps-check:
	@$(call install_missing,$(CHECK_PACKAGES))
deps-extra:
	@$(call install_missing,$(EXTRA_PACKAGES))

demo: all
	@sh examples/demo.sh $(ML1M)

# bench/mpi.sh needs tt-fit built for mpirun
bench: deps
	@$(MAKE) --no-print-directory MPI=1 all
	@sh bench/run.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	for p in $(MANPAGES); do s=$${p##*.}; install -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -rf build bin lib/libtt.a tests/scratch

FORCE:
.PHONY: all check fuzz fuzz-build deps deps-build deps-check deps-extra demo bench install clean FORCE
.PRECIOUS: $(OBJDIR)/%.o build/fuzz/lib/%.o
.DELETE_ON_ERROR:

-include $(shell find build -name '*.d' 2>/dev/null)
