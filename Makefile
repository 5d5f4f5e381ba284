# pgs — plain Makefile.  make [all|unit|check|bench|man|completion|install|deb|clean] [SANITIZE=1] [PREFIX=/usr/local] [DATADIR=] [DESTDIR=]
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/pgs
MANDIR  ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
CC      ?= gcc
PKGS    := jansson libcurl sqlite3 libpq libutf8proc zlib libcrypto
# libpq, libcurl and libcrypto are compiled against but never linked: lib/dl.c
# loads them on first use (lib/dl_pq.h, lib/dl_curl.h, lib/dl_crypto.h), so a
# tool's start does not map libpq's and libcurl's ~30 libraries, nor bind
# libcrypto's 8,000 symbols when it never hashes.  dlopen() is in libc since
# glibc 2.34, else -ldl.
DL_PKGS    := libpq libcurl libcrypto
LIBDL      := $(shell echo 'int main(void){return 0;}' | $(CC) -x c -o /dev/null - -Wl,--no-as-needed -Wl,--require-defined=dlopen 2>/dev/null || echo -ldl)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(filter-out $(DL_PKGS),$(PKGS))) $(LIBDL)

# What each tool links: libpgs.a is one archive (the linker takes only the
# objects a tool uses), and these are the system libraries those objects
# need.  A store backend may need any of STORE_PKGS.  A tool not listed
# links every package but DL_PKGS; "none" means libc and libm only.
STORE_PKGS         := sqlite3 jansson
PKGS_pgs-extract   := jansson zlib libutf8proc $(STORE_PKGS)
PKGS_pgs-resolve   := jansson zlib libutf8proc $(STORE_PKGS)
PKGS_pgs-transform := jansson zlib libutf8proc
PKGS_pgs-write     := jansson zlib libutf8proc $(STORE_PKGS)
PKGS_pgs-checkpoint := jansson zlib $(STORE_PKGS)
PKGS_pgs-run       := jansson zlib $(STORE_PKGS)
PKGS_pgs-daily-plan := jansson zlib $(STORE_PKGS)
PKGS_pgs-diff      := jansson zlib $(STORE_PKGS)
PKGS_pgs-sample    := none
PKGS_pgs-http-get  := jansson zlib
PKGS_pgs-store-dump := jansson zlib $(STORE_PKGS)
tool_libs = $(if $(PKGS_$(1)),$(if $(filter-out none,$(PKGS_$(1))),$(shell pkg-config --libs $(sort $(filter-out none,$(PKGS_$(1))))) $(LIBDL)),$(PKG_LIBS)) -lm

CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
           -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wformat=2
ifeq ($(SANITIZE),1)
CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(WARN) $(CFLAGS) -Ilib $(PKG_CFLAGS)
BUILD   := build$(if $(filter 1,$(SANITIZE)),-san,)

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRC))
LIBA    := $(BUILD)/libpgs.a
# One file per tool (src/pgs-NAME.c), or a directory of files (src/pgs-NAME/*.c).
TOOL_DIRS := $(sort $(patsubst src/%/,%,$(dir $(wildcard src/pgs-*/*.c))))
TOOLS   := $(patsubst src/%.c,bin/%,$(wildcard src/pgs-*.c)) $(addprefix bin/,$(sort $(TOOL_DIRS)))
PIPES   := $(wildcard pipelines/pgs-*)
PIPE_DATA := pipelines/pipeline.bash pipelines/aliases.csv
# Test-only programs (tests/http/pgs-http-get.c …): built with the tools, never installed.
TEST_HELPERS := bin-test/pgs-http-get bin-test/pgs-store-dump bin-test/faultfs.so
# One C unit-test program per tests/unit/test_*.c (each with its own main and counters).
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT     := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
HEADERS := $(wildcard lib/*.h)

all: $(TOOLS) $(TEST_HELPERS)

$(BUILD)/lib/%.o: lib/%.c $(HEADERS) | $(BUILD)/lib
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/lib:
	mkdir -p $@

$(LIBA): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# bin/ (and bin-test/) hold the programs of the last build; a SANITIZE build overwrites them on purpose.
bin/%: src/%.c $(LIBA) $(HEADERS) bin/.flags
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

# A tool made of several files: src/pgs-NAME/*.c and its private headers.
.SECONDEXPANSION:
$(addprefix bin/,$(TOOL_DIRS)): bin/%: $$(wildcard src/%/*.c) $$(wildcard src/%/*.h) $(LIBA) $(HEADERS) bin/.flags
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -Isrc/$* -o $@ $(filter %.c,$^) $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

bin-test/%: tests/http/%.c $(LIBA) $(HEADERS) bin/.flags
	@mkdir -p bin-test
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

bin-test/%: tests/helper/%.c $(LIBA) $(HEADERS) bin/.flags
	@mkdir -p bin-test
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

# A test-only LD_PRELOAD shim (tests/helper/faultfs.c): never sanitized, so
# that it can be preloaded into the programs of either build.
bin-test/%.so: tests/helper/%.c
	@mkdir -p bin-test
	$(CC) $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl

# Rebuild the programs when switching between normal and sanitizer builds.
# bin/ and bin-test/ hold one build at a time: a stamp of which one, so that
# `make` after `make SANITIZE=1` (or the reverse) relinks every program.
bin/.flags: FORCE
	@mkdir -p bin
	@echo '$(BUILD) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(BUILD) $(CFLAGS) $(LDFLAGS)' > $@

$(BUILD)/.flags: FORCE | $(BUILD)/lib
	@echo '$(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CFLAGS) $(LDFLAGS)' > $@

$(BUILD)/unit/%: tests/unit/%.c tests/unit/unit.h $(LIBA) $(HEADERS) $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIBA) $(LDFLAGS) $(PKG_LIBS) -lm

# Runs every unit program; the last line sums them: "N passed, M failed".
unit: $(UNIT)
	@p=0; f=0; for t in $(UNIT); do \
		out=$$($$t); rc=$$?; printf '%s\n' "$$out"; \
		set -- $$(printf '%s\n' "$$out" | tail -n 1); \
		p=$$((p + $${1:-0})); f=$$((f + $${3:-1})); \
		[ $$rc -eq 0 ] || [ $${3:-1} -gt 0 ] || f=$$((f + 1)); \
	done; echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

check: all unit
	bats tests/

bench: all
	tests/bqemu/setup || echo "bench: no npm packages: the DuckDB peer is skipped"
	tests/bench/run
	tests/bench/realdata
	tests/bench/bq-bytes

# The manual pages, made from MANUAL.md by scripts/manpages (pandoc): one a
# tool and pipeline in section 1, the overview pgs(7).
PROGRAMS := $(notdir $(TOOLS) $(PIPES))
VERSION  := $(shell sed -n 's/^\#define PGS_VERSION "\(.*\)"/\1/p' lib/util.h)
MANPAGES := $(patsubst %,build/man/man1/%.1,$(PROGRAMS)) build/man/man7/pgs.7

man: build/man/.made

build/man/.made: MANUAL.md scripts/manpages lib/util.h
	scripts/manpages -o build/man -V $(VERSION) $(PROGRAMS)
	@touch $@

# The bash completion of every tool and pipeline, from the options each
# takes (a tool's hidden --list-options, a pipeline's --help).
completion: build/completion/pgs

build/completion/pgs: $(TOOLS) $(PIPES) pipelines/pipeline.bash scripts/completion
	@mkdir -p $(@D)
	scripts/completion -o $@ $(TOOLS) $(PIPES)

# The pipelines go beside the tools; what they source and read goes to
# DATADIR, whose path relative to BINDIR is written into each installed
# pipeline: an installed tree still works when moved as a whole (a DESTDIR
# staging, a package unpacked with dpkg -x).  The completion is one file,
# and a link to it by each program's name, the name bash-completion looks for.
SHARE_REL = $(shell realpath -m --relative-to='$(BINDIR)' '$(DATADIR)')
install: $(TOOLS) man completion
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(COMPDIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 644 $(PIPE_DATA) $(DESTDIR)$(DATADIR)
	for p in $(PIPES); do \
		sed 's|^pgs_share=.*|pgs_share=$$(cd "$$(dirname "$$0")/$(SHARE_REL)" \&\& pwd) \|\| exit 3|' $$p \
			>$(DESTDIR)$(BINDIR)/$${p#pipelines/} && \
		chmod 755 $(DESTDIR)$(BINDIR)/$${p#pipelines/} || exit 1; \
	done
	install -m 644 $(filter build/man/man1/%,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man1
	install -m 644 build/man/man7/pgs.7 $(DESTDIR)$(MANDIR)/man7
	install -m 644 build/completion/pgs $(DESTDIR)$(COMPDIR)/pgs
	for p in $(PROGRAMS); do ln -sf pgs $(DESTDIR)$(COMPDIR)/$$p || exit 1; done

# The Debian package: what make install puts under /usr, staged in
# DEBDIR/root, and what pkg/debian/ adds (scripts/deb): DEBDIR/pgs_V-1_ARCH.deb.
DEBDIR   ?= build/deb
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo unknown)
DEB      := $(DEBDIR)/pgs_$(VERSION)-1_$(DEB_ARCH).deb

deb: $(DEB)

$(DEB): $(TOOLS) $(PIPES) $(PIPE_DATA) build/man/.made build/completion/pgs MANUAL.md README.md \
		$(wildcard pkg/debian/*) scripts/deb
	rm -rf $(DEBDIR)/root
	$(MAKE) -s install DESTDIR=$(abspath $(DEBDIR)/root) PREFIX=/usr
	scripts/deb -r $(DEBDIR)/root -V $(VERSION)-1 -o $@

clean:
	rm -rf build build-san bin/pgs-* bin-test

FORCE:
.PHONY: all unit check bench man completion install deb clean FORCE

# ---- crash campaign (tests/crash/) ---------------------------------------------------------
# make crashtest [CRASH_KILLS=50] [CRASH_SEED=N] [CRASH_STORES="sqlite postgres bigquery"]
#                [CRASH_DATA=real] [CRASH_LATENCY_MS=200]
#   the real-data backfill killed with SIGKILL CRASH_KILLS times and resumed, on each store
#   (bigquery: the emulator, every job taking CRASH_LATENCY_MS), compared with a clean run
#   (tests/crash/campaign --help).  Not part of `make check`; tests/crash.bats runs a short one.
CRASH_KILLS  ?= 50
CRASH_SEED   ?=
CRASH_STORES ?= sqlite postgres bigquery
CRASH_DATA   ?= real
CRASH_LATENCY_MS ?= 200

crashtest: all
	$(if $(filter bigquery,$(CRASH_STORES)),tests/bqemu/setup)
	@for s in $(CRASH_STORES); do \
		tests/crash/campaign --store $$s --data $(CRASH_DATA) --kills $(CRASH_KILLS) \
			--latency-ms $(CRASH_LATENCY_MS) $(if $(CRASH_SEED),--seed $(CRASH_SEED)) || exit 1; \
	done

.PHONY: crashtest

# ---- fuzzing (tests/fuzz/) ----------------------------------------------------------------
# make fuzz [FUZZ_SECONDS=60]   build the libFuzzer targets with clang and run each for
#                               FUZZ_SECONDS; fails on any crash, leak or timeout
# make fuzz-smoke               the same, a few seconds each (CI)
# make fuzz-replay              run the seed corpus and the saved crashes through every target,
#                               built with $(CC) (and SANITIZE=1's sanitizers): no clang needed
# make fuzz-cli                 the mutation fuzzer of the built tools (tests/fuzz/mutate-cli)
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_DIR      := build-fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS    = $(filter-out -Werror,$(WARN)) -g -O1 $(FUZZ_SAN) -Ilib -Itests/fuzz $(PKG_CFLAGS)
FUZZ_NAMES    := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS     := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))
FUZZ_LIB_OBJ  := $(patsubst lib/%.c,$(FUZZ_DIR)/lib/%.o,$(LIB_SRC))
FUZZ_DEPS     := tests/fuzz/fuzz.h $(wildcard lib/*.h) lib/http.c
REPLAY_BINS   := $(patsubst %,$(BUILD)/fuzz-replay/fuzz_%,$(FUZZ_NAMES))

$(FUZZ_DIR)/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(FUZZ_DIR)/lib
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libpgs.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(FUZZ_DIR)/libpgs.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libpgs.a $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run -d $(FUZZ_DIR) -s $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	tests/fuzz/run -d $(FUZZ_DIR) -s $(FUZZ_SMOKE_SECONDS)

$(BUILD)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_DEPS) $(LIBA) $(BUILD)/.flags
	@mkdir -p $(BUILD)/fuzz-replay
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay.c $(LIBA) $(LDFLAGS) $(PKG_LIBS) -lm

fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_NAMES); do \
		set -- tests/fuzz/corpus/$$t; [ -d tests/fuzz/regress/$$t ] && set -- "$$@" tests/fuzz/regress/$$t; \
		printf 'fuzz-replay %s: ' $$t; \
		$(BUILD)/fuzz-replay/fuzz_$$t "$$@" >/dev/null 2>$(BUILD)/fuzz-replay/$$t.log || \
			{ echo FAILED; cat $(BUILD)/fuzz-replay/$$t.log; exit 1; }; \
		tail -n 1 $(BUILD)/fuzz-replay/$$t.log; \
	done

fuzz-cli: all
	tests/fuzz/mutate-cli

fuzz-clean:
	rm -rf $(FUZZ_DIR)

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-replay fuzz-cli fuzz-clean

# ---- the warehouse benchmark (tests/bench/parallel) ----------------------------------------
# make bench-parallel [PARALLEL_LATENCY_MS=1000] [PARALLEL_JOBS=8] [PARALLEL_BATCH_DAYS=1,7]
#   the real seasons landed and backfilled into the BigQuery emulator with that latency per job,
#   in batches of each size, --jobs 1 and --jobs PARALLEL_JOBS, and again at 0 ms: wall and CPU
#   times and the jobs of each kind side by side, the issue's targets, every table and ledger
#   compared with SQLite's.  Not part of `make check` (about 10 minutes).
PARALLEL_LATENCY_MS ?= 1000
PARALLEL_JOBS       ?= 8
PARALLEL_BATCH_DAYS ?= 1,7

bench-parallel: all
	tests/bqemu/setup
	tests/bench/parallel --latency-ms $(PARALLEL_LATENCY_MS) --jobs $(PARALLEL_JOBS) \
		--batch-days $(PARALLEL_BATCH_DAYS)

.PHONY: bench-parallel

# ---- group commit on PostgreSQL (tests/bench/pg-groups) --------------------------------------
# make bench-pg-groups [PG_RTT_MS=0,2,10]
#   the real-data one-day backfill into PostgreSQL through a proxy that delays each round trip
#   by PG_RTT_MS, one transaction a window (PGS_GROUP_COMMIT=0) against group commit: both wall
#   times and their ratio, the tables and ledgers compared.  Not part of `make check` (about
#   6 minutes).
PG_RTT_MS ?= 0,2,10

bench-pg-groups: all
	tests/bench/pg-groups --rtt-ms $(PG_RTT_MS)

.PHONY: bench-pg-groups
