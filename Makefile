# pgs — plain Makefile.  make [all|unit|check|bench|install|clean] [SANITIZE=1] [PREFIX=/usr/local] [DESTDIR=]
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
CC      ?= gcc
PKGS    := jansson libcurl sqlite3 libpq libutf8proc zlib libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

# What each tool links: libpgs.a is one archive (the linker takes only the
# objects a tool uses), and these are the system libraries those objects
# need.  A store backend may need any of STORE_PKGS.  A tool not listed
# links every package; "none" means libc and libm only.
STORE_PKGS         := sqlite3 libpq libcurl libcrypto jansson
PKGS_pgs-extract   := jansson zlib libcurl $(STORE_PKGS)
PKGS_pgs-resolve   := jansson zlib libutf8proc $(STORE_PKGS)
PKGS_pgs-transform := jansson zlib libutf8proc libcrypto
PKGS_pgs-write     := jansson zlib libutf8proc $(STORE_PKGS)
PKGS_pgs-checkpoint := jansson zlib $(STORE_PKGS)
PKGS_pgs-sample    := none
PKGS_pgs-http-get  := jansson zlib libcurl
PKGS_pgs-store-dump := jansson zlib $(STORE_PKGS)
tool_libs = $(if $(PKGS_$(1)),$(if $(filter-out none,$(PKGS_$(1))),$(shell pkg-config --libs $(sort $(filter-out none,$(PKGS_$(1)))))),$(PKG_LIBS)) -lm

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
# Test-only programs (tests/http/pgs-http-get.c …): built with the tools, never installed.
TEST_HELPERS := bin-test/pgs-http-get bin-test/pgs-store-dump
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
bin/%: src/%.c $(LIBA) $(HEADERS) $(BUILD)/.flags
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

# A tool made of several files: src/pgs-NAME/*.c and its private headers.
.SECONDEXPANSION:
$(addprefix bin/,$(TOOL_DIRS)): bin/%: $$(wildcard src/%/*.c) $$(wildcard src/%/*.h) $(LIBA) $(HEADERS) $(BUILD)/.flags
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -Isrc/$* -o $@ $(filter %.c,$^) $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

bin-test/%: tests/http/%.c $(LIBA) $(HEADERS) $(BUILD)/.flags
	@mkdir -p bin-test
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

bin-test/%: tests/helper/%.c $(LIBA) $(HEADERS) $(BUILD)/.flags
	@mkdir -p bin-test
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(call tool_libs,$*)

# Rebuild the programs when switching between normal and sanitizer builds.
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
	tests/bench/run
	tests/bench/realdata

install: $(TOOLS)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(TOOLS) $(PIPES) $(DESTDIR)$(BINDIR)

clean:
	rm -rf build build-san bin/pgs-* bin-test

FORCE:
.PHONY: all unit check bench install clean FORCE
