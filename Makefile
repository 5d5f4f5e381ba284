# pgs — plain Makefile.  make [all|check|bench|install|clean] [SANITIZE=1] [PREFIX=/usr/local] [DATADIR=] [DESTDIR=]
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/pgs
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
PIPE_DATA := pipelines/pipeline.bash pipelines/aliases.csv
# One C unit-test program per tests/unit/test_*.c (each with its own main and counters).
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT     := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

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

$(BUILD)/unit/%: tests/unit/%.c tests/unit/unit.h $(LIBA) $(wildcard lib/*.h) $(BUILD)/.flags
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

# The pipelines go beside the tools; what they source and read goes to
# DATADIR, whose path is written into each installed pipeline.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 644 $(PIPE_DATA) $(DESTDIR)$(DATADIR)
	for p in $(PIPES); do \
		sed "s|^pgs_share=.*|pgs_share='$(DATADIR)'|" $$p >$(DESTDIR)$(BINDIR)/$${p#pipelines/} && \
		chmod 755 $(DESTDIR)$(BINDIR)/$${p#pipelines/} || exit 1; \
	done

clean:
	rm -rf build build-san bin/pgs-*

FORCE:
.PHONY: all unit check bench install clean FORCE
