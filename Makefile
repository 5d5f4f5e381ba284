# pgs — plain Makefile.  make [all|check|bench|install|clean] [SANITIZE=1] [PREFIX=/usr/local] [DESTDIR=]
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
CC      ?= gcc
PKGS    := jansson libcurl sqlite3 libpq libutf8proc zlib libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

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
TOOLS   := $(patsubst src/%.c,bin/%,$(wildcard src/pgs-*.c))
PIPES   := $(wildcard pipelines/pgs-*)
UNIT    := $(BUILD)/unit-tests

all: $(TOOLS)

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) | $(BUILD)/lib
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/lib:
	mkdir -p $@

$(LIBA): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# bin/ holds the tools of the last build; a SANITIZE build overwrites them on purpose.
bin/%: src/%.c $(LIBA) $(wildcard lib/*.h) $(BUILD)/.flags
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(PKG_LIBS) -lm

# Rebuild the tools when switching between normal and sanitizer builds.
$(BUILD)/.flags: FORCE | $(BUILD)/lib
	@echo '$(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CFLAGS) $(LDFLAGS)' > $@

$(UNIT): tests/unit/*.c $(LIBA) $(wildcard lib/*.h)
	$(CC) $(ALL_CFLAGS) -o $@ tests/unit/*.c $(LIBA) $(LDFLAGS) $(PKG_LIBS) -lm

unit: $(UNIT)
	$(UNIT)

check: all $(UNIT)
	$(UNIT)
	bats tests/

bench: all
	tests/bench/run
	tests/bench/realdata

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(TOOLS) $(PIPES) $(DESTDIR)$(BINDIR)

clean:
	rm -rf build build-san bin/pgs-*

FORCE:
.PHONY: all unit check bench install clean FORCE

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
FUZZ_DEPS     := tests/fuzz/fuzz.h $(wildcard lib/*.h) lib/http.c src/pgs-checkpoint.c
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
