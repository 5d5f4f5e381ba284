#!/usr/bin/env bats
# MANUAL.md is the reference users read: its synopses must match each tool's
# --help, and every ```sh example in it must run as written.

load test_helper

setup() {
	common_setup
}

# Print the synopsis block (the first ``` block after "## TOOL") of MANUAL.md.
manual_synopsis() {
	awk -v tool="## $1" '
		$0 == tool { insec = 1; next }
		insec && /^## / { exit }
		insec && /^```/ { if (inblock) exit; inblock = 1; next }
		inblock { print }
	' "$PGS_ROOT/MANUAL.md"
}

# Collapse whitespace and join continuation lines of a usage text.
squash() {
	tr '\n' ' ' | tr -s ' \t' ' ' | sed 's/^ //; s/ $//'
}

# The usage forms of a tool's --help: its first line without "usage: " and
# the indented lines after it, up to a blank or unindented line.
help_usage() {
	"$1" --help | awk 'NR == 1 { print; next } /^[ \t]+[^ \t]/ { print; next } { exit }'
}

@test "every tool's --help usage is its MANUAL synopsis, word for word" {
	local tool syn help n=0
	for bin in "$PGS_ROOT"/bin/pgs-*; do
		tool=$(basename "$bin")
		syn=$(manual_synopsis "$tool" | squash)
		[ -n "$syn" ] || fail "MANUAL.md has no synopsis block for $tool"
		help=$(help_usage "$bin" | squash)
		[[ $help == "usage: $tool "* ]] || fail "$tool --help does not start with 'usage: $tool': '$help'"
		[ "usage: $syn" = "$help" ] ||
			fail "$tool: --help and MANUAL.md differ:$'\n'  help:   ${help#usage: }$'\n'  MANUAL: $syn"
		n=$((n + 1))
	done
	[ "$n" -ge 6 ] || fail "only $n tools found in bin/"
}

@test "every pipeline's --help prints its Usage header" {
	for p in "$PGS_ROOT"/pipelines/pgs-*; do
		run --separate-stderr "$p" --help
		[ "$status" -eq 0 ] || fail "$(basename "$p") --help exited $status"
		[[ "$output" == *"Usage:"* ]] || fail "$(basename "$p") --help has no Usage"
		grep -q "$(basename "$p")" "$PGS_ROOT/MANUAL.md" || fail "$(basename "$p") missing from MANUAL.md"
	done
}

@test "every sh example in MANUAL.md runs as written" {
	local work="$BATS_TEST_TMPDIR/manual"
	mkdir -p "$work"
	ln -s "$PGS_ROOT/tests" "$work/tests"
	ln -s "$PGS_ROOT/pipelines" "$work/pipelines"
	awk -v dir="$work" '
		/^```sh$/ { n++; f = sprintf("%s/example-%02d.sh", dir, n); inb = 1; next }
		inb && /^```/ { inb = 0; close(f); next }
		inb { print > f }
	' "$PGS_ROOT/MANUAL.md"
	local count=0
	for ex in "$work"/example-*.sh; do
		[ -e "$ex" ] || fail "MANUAL.md has no sh examples"
		count=$((count + 1))
		( cd "$work" && bash -eo pipefail "$ex" ) > "$ex.out" 2> "$ex.err" ||
			fail "$(basename "$ex") failed: $(cat "$ex.err") -- example: $(cat "$ex")"
	done
	[ "$count" -ge 5 ] || fail "only $count examples"
}
