#!/usr/bin/env bats
# The manual pages (scripts/manpages, make man): one a tool and pipeline,
# made from MANUAL.md, each rendered by man(1) with its SYNOPSIS the
# program's --help usage; the overview pgs(7); make install puts them where
# man looks.

load test_helper

NL=$'\n'

setup_file() {
	# the pages once for the file, from the tree's MANUAL.md, outside the tree
	export MAN_DIR="$BATS_FILE_TMPDIR/man"
	local names=()
	for p in "$BATS_TEST_DIRNAME"/../bin/pgs-* "$BATS_TEST_DIRNAME"/../pipelines/pgs-*; do
		names+=("$(basename "$p")")
	done
	"$BATS_TEST_DIRNAME/../scripts/manpages" -o "$MAN_DIR" -V test "${names[@]}"
}

setup() {
	common_setup
}

# Collapse whitespace and join the lines of a usage text.
squash() {
	tr '\n' ' ' | tr -s ' \t' ' ' | sed 's/^ //; s/ $//'
}

# The usage forms of a program's --help, without "usage: " or "Usage: ".
help_usage() {
	"$1" --help | awk 'NR == 1 { print; next } /^[ \t]+[^ \t]/ { print; next } { exit }' | squash |
		sed -E 's/^[Uu]sage: //'
}

# render PAGE: man's text of PAGE (plain, wide enough that no line wraps, in
# UTF-8: MANUAL's names have accents)
# into $BATS_TEST_TMPDIR/page.txt; troff's messages but "cannot adjust" and
# "can't break" (a table cell's narrow column) into page.err.
render() {
	LC_ALL=C.UTF-8 MANWIDTH=250 man -l "$1" >"$BATS_TEST_TMPDIR/page.txt" 2>"$BATS_TEST_TMPDIR/page.raw" ||
		fail "man -l $1 exited $?: $(cat "$BATS_TEST_TMPDIR/page.raw")"
	# (narrow cells and a table cell that straddles one of nroff's page breaks: layout, no text lost)
	grep -vE "warning.*(cannot adjust line|can't break line|table text block will not fit on one page)" \
		"$BATS_TEST_TMPDIR/page.raw" >"$BATS_TEST_TMPDIR/page.err" || true
}

# The text of section NAME of the rendered page.
page_section() {
	awk -v name="$1" '$0 == name { on = 1; next } on && /^[A-Z]/ { exit } on' "$BATS_TEST_TMPDIR/page.txt"
}

@test "every tool's and pipeline's page renders with man -l: NAME, SYNOPSIS = its --help usage, DESCRIPTION, SEE ALSO" {
	local n=0 name page syn help
	for p in "$PGS_ROOT"/bin/pgs-* "$PGS_ROOT"/pipelines/pgs-*; do
		name=$(basename "$p")
		page=$MAN_DIR/man1/$name.1
		[ -f "$page" ] || fail "no page $page"
		render "$page"
		[ ! -s page.err ] || fail "$name.1: troff said: $(cat page.err)"
		upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")
		[[ $(head -n 1 page.txt) == "$upper(1) "*" $upper(1)" ]] || fail "$name.1: header '$(head -n 1 page.txt)'"
		[[ $(page_section NAME | squash) == "$name - "?* ]] || fail "$name.1: NAME is '$(page_section NAME | squash)'"
		syn=$(page_section SYNOPSIS | squash)
		help=$(help_usage "$p")
		[ -n "$help" ] || fail "$name --help has no usage"
		[ "$syn" = "$help" ] || fail "$name.1: SYNOPSIS and --help differ:${NL}  page: $syn${NL}  help: $help"
		[ -n "$(page_section DESCRIPTION)" ] || fail "$name.1 has no DESCRIPTION"
		[[ $(page_section "SEE ALSO") == *"pgs(7)"* ]] || fail "$name.1: SEE ALSO does not name pgs(7)"
		n=$((n + 1))
	done
	[ "$n" -ge 12 ] || fail "only $n pages"
}

@test "a tool's page carries MANUAL's sections of it: options table, examples, exit status" {
	render "$MAN_DIR/man1/pgs-write.1"
	grep -qx OPTIONS page.txt
	grep -qx EXAMPLES page.txt
	grep -qx 'EXIT STATUS' page.txt
	[[ $(page_section OPTIONS) == *"--allow-shrink PCT"*"the window may lose at most PCT"* ]]
	[[ $(page_section "EXIT STATUS") == *"4 refused by the shrink guard"* ]]
	# MANUAL's links become their text: no "(#anchor)" in a page
	run grep -c '(#' page.txt
	assert_output 0
	render "$MAN_DIR/man1/pgs-backfill.1"
	[[ $(page_section DESCRIPTION | squash) == *"Nothing to backfill is an error"* ]]
	grep -qx 'BATCHES ON OTHER HOSTS' page.txt
}

@test "pgs(7), the overview, renders with MANUAL's general sections" {
	render "$MAN_DIR/man7/pgs.7"
	[ ! -s page.err ] || fail "pgs.7: troff said: $(cat page.err)"
	[[ $(head -n 1 page.txt) == "PGS(7) "*" PGS(7)" ]]
	for s in NAME DESCRIPTION INSTALLING CONVENTIONS ROWS "HTTP SOURCES" PIPELINES STORES \
		"CRASH SAFETY AND STORAGE FAULTS" ENVIRONMENT "SEE ALSO"; do
		grep -qx "$s" page.txt || fail "pgs.7 has no section $s"
	done
	[[ $(page_section "SEE ALSO") == *"pgs-write(1)"*"pgs-backfill(1)"* ]]
	# the pipelines' own sections are their pages, not the overview's
	run grep -c 'Lands raw box scores in the store' page.txt
	assert_output 0
}

@test "scripts/manpages fails, naming it, on a tool MANUAL has no section or NAME line for; without pandoc" {
	run -3 --separate-stderr "$PGS_ROOT/scripts/manpages" -o out pgs-nosuch
	assert_equal "$stderr" "manpages: MANUAL.md has no section '## pgs-nosuch' or '### pgs-nosuch'"
	# a section without its line in MANUAL's list of tools
	mkdir -p fake/scripts
	cp "$PGS_ROOT/scripts/manpages" fake/scripts/
	# shellcheck disable=SC2016 # the backquotes are Markdown, not a command
	printf '# pgs manual\n\n## pgs-x\n\n```\npgs-x [-q]\n```\n\nDoes x.\n' >fake/MANUAL.md
	run -3 --separate-stderr fake/scripts/manpages -o out pgs-x
	[[ $stderr == "manpages: MANUAL.md lists no '- [pgs-x](#pgs-x) — ...' line"* ]]
	[ ! -e out/man1/pgs-x.1 ]
	run -3 --separate-stderr env PATH=/nowhere /bin/bash "$PGS_ROOT/scripts/manpages" -o out pgs-write
	assert_equal "$stderr" "manpages: pandoc not found on PATH (scripts/setup-debian installs it)"
	run -2 --separate-stderr "$PGS_ROOT/scripts/manpages" -o out
	[[ $stderr == *"no TOOL given"* ]]
}

@test "make install puts the pages in PREFIX/share/man (DESTDIR honoured), where man finds them" {
	local dest=$BATS_TEST_TMPDIR/dest prefix=/opt/pgs
	# (-o all: install what is built; never rebuild bin/ under a running suite)
	run make_as_built -s -o all install PREFIX="$prefix" DESTDIR="$dest"
	assert_success
	for p in "$PGS_ROOT"/bin/pgs-* "$PGS_ROOT"/pipelines/pgs-*; do
		[ -f "$dest$prefix/share/man/man1/$(basename "$p").1" ] || fail "$(basename "$p").1 not installed"
	done
	[ -f "$dest$prefix/share/man/man7/pgs.7" ]
	[ -x "$dest$prefix/bin/pgs-backfill" ]
	# man finds them by name there
	run --separate-stderr env LC_ALL=C MANWIDTH=120 man -M "$dest$prefix/share/man" pgs-backfill
	assert_success
	assert_line --index 0 --regexp '^PGS-BACKFILL\(1\) .* PGS-BACKFILL\(1\)$'
	run --separate-stderr env LC_ALL=C MANWIDTH=120 man -M "$dest$prefix/share/man" 7 pgs
	assert_success
	assert_line --index 0 --regexp '^PGS\(7\) '
	# and a name that has no page is still "no manual entry": the check can fail
	run env LC_ALL=C man -M "$dest$prefix/share/man" pgs-nosuch
	assert_failure
}
