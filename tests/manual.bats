#!/usr/bin/env bats
# MANUAL.md is the reference users read: its synopses must match each tool's
# --help, and every ```sh example in it must run as written.

load test_helper

NL=$'\n'

setup() {
	common_setup
}

# Print the synopsis block (the first ``` block after "## TOOL", or "### TOOL"
# for a pipeline) of MANUAL.md.
manual_synopsis() {
	awk -v tool="## $1" '
		$0 == tool || $0 == "#" tool { insec = 1; next }
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
			fail "$tool: --help and MANUAL.md differ:${NL}  help:   ${help#usage: }${NL}  MANUAL: $syn"
		n=$((n + 1))
	done
	[ "$n" -ge 6 ] || fail "only $n tools found in bin/"
}

@test "every pipeline's --help usage is its MANUAL synopsis, word for word, as a tool's is" {
	local tool syn help n=0
	for p in "$PGS_ROOT"/pipelines/pgs-*; do
		tool=$(basename "$p")
		syn=$(manual_synopsis "$tool" | squash)
		[ -n "$syn" ] || fail "MANUAL.md has no synopsis block for $tool"
		run --separate-stderr "$p" --help
		[ "$status" -eq 0 ] || fail "$tool --help exited $status"
		[ -z "$stderr" ] || fail "$tool --help wrote to stderr: $stderr"
		help=$(help_usage "$p" | squash)
		[[ $help == "Usage: $tool "* ]] || fail "$tool --help does not start with 'Usage: $tool': '$help'"
		[ "Usage: $syn" = "$help" ] ||
			fail "$tool: --help and MANUAL.md differ:${NL}  help:   ${help#Usage: }${NL}  MANUAL: $syn"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n pipelines found"
}

@test "the synopsis check can fail: a pipeline whose Usage header lost an option differs from MANUAL" {
	local fake="$BATS_TEST_TMPDIR/pgs-backfill" syn help
	sed '2s/ \[--batch-days N\]//' "$PGS_ROOT/pipelines/pgs-backfill" >"$fake"
	chmod +x "$fake"
	cp "$PGS_ROOT/pipelines/pipeline.bash" "$BATS_TEST_TMPDIR/"
	syn=$(manual_synopsis pgs-backfill | squash)
	help=$(help_usage "$fake" | squash)
	[[ $help == "Usage: pgs-backfill --from D --to D [--jobs N]"* ]]
	[ "Usage: $syn" != "$help" ]
}

# The sections whose every sh example must say what it prints (a "prints"
# block after it); the other sections' examples are run and, when they have
# such a block, compared too.
STRICT_SECTIONS=("pgs-extract" "pgs-transform" "pgs-sample" "HTTP sources")

# Split MANUAL.md's ```sh examples into DIR/example-NN.sh, with DIR/example-NN.want
# (the ``` block after a line "prints") and DIR/example-NN.section (the ## heading).
split_examples() {
	awk -v dir="$1" '
		/^## / { section = substr($0, 4) }
		/^```sh$/ { n++; base = sprintf("%s/example-%02d", dir, n); f = base ".sh"
			print section > (base ".section"); close(base ".section"); inb = 1; after = 0; next }
		inb && /^```/ { inb = 0; close(f); after = 1; next }
		inb { print > f; next }
		after && /^$/ { next }
		after && /^prints:?$/ { after = 2; next }
		after == 2 && /^```/ { after = 3; w = base ".want"; printf "" > w; next }
		after == 3 && /^```/ { after = 0; close(w); next }
		after == 3 { print > w; next }
		{ after = 0 }
	' "$PGS_ROOT/MANUAL.md"
}

@test "every sh example in MANUAL.md runs as written and prints what the manual says" {
	local work="$BATS_TEST_TMPDIR/manual" ex base section count=0 strict
	mkdir -p "$work"
	ln -s "$PGS_ROOT/tests" "$work/tests"
	ln -s "$PGS_ROOT/pipelines" "$work/pipelines"
	split_examples "$work"
	for ex in "$work"/example-*.sh; do
		[ -e "$ex" ] || fail "MANUAL.md has no sh examples"
		base=${ex%.sh}
		section=$(cat "$base.section")
		count=$((count + 1))
		( cd "$work" && bash -eo pipefail "$ex" ) >"$base.out" 2>"$base.err" ||
			fail "$(basename "$ex") ($section) failed: $(cat "$base.err") -- example: $(cat "$ex")"
		if [ -f "$base.want" ]; then
			diff -u "$base.want" "$base.out" >"$base.diff" ||
				fail "$(basename "$ex") ($section) prints something else than MANUAL.md says:${NL}$(cat "$base.diff")"
		else
			for strict in "${STRICT_SECTIONS[@]}"; do
				[ "$section" != "$strict" ] ||
					fail "$(basename "$ex") ($section) has no 'prints' block after it: $(cat "$ex")"
			done
		fi
	done
	[ "$count" -ge 5 ] || fail "only $count examples"
}

@test "the example checker can fail: a wrong 'prints' block is caught" {
	local work="$BATS_TEST_TMPDIR/fake"
	mkdir -p "$work"
	# shellcheck disable=SC2016 # the backquotes are Markdown, not a command
	printf '## pgs-extract\n\n```sh\necho one\n```\n\nprints\n\n```\ntwo\n```\n' >"$work/MANUAL.md"
	PGS_ROOT=$work split_examples "$work"
	assert_equal "$(cat "$work/example-01.sh")" "echo one"
	assert_equal "$(cat "$work/example-01.want")" "two"
	assert_equal "$(cat "$work/example-01.section")" "pgs-extract"
}

# The headings of MANUAL.md at a level ("## "), outside code blocks.
manual_headings() {
	awk -v level="$1" '/^```/ { code = !code; next } !code && index($0, level) == 1 { print substr($0, length(level) + 1) }' "$PGS_ROOT/MANUAL.md"
}

# A heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces as '-'.
anchor() {
	tr '[:upper:]' '[:lower:]' <<<"$1" | tr -cd 'a-z0-9 _-' | tr ' ' '-'
}

@test "MANUAL's contents line links every section, and every link of it goes to a heading" {
	local contents heading link anchors
	contents=$(awk '/^Contents:/ { on = 1 } on && /^$/ { exit } on' "$PGS_ROOT/MANUAL.md" | tr '\n' ' ')
	[ -n "$contents" ] || fail "MANUAL.md has no Contents: line"
	[ -z "$(manual_headings "## " | sort | uniq -d)" ] || fail "a section heading twice: $(manual_headings "## " | sort | uniq -d)"
	while IFS= read -r heading; do
		[[ $contents == *"[$heading](#$(anchor "$heading"))"* ]] ||
			fail "the contents line has no [$heading](#$(anchor "$heading"))"
	done < <(manual_headings "## ")
	anchors=$({ manual_headings "## "; manual_headings "### "; manual_headings "#### "; } |
		while IFS= read -r heading; do printf '%s\n' "$(anchor "$heading")"; done)
	while IFS= read -r link; do
		link=${link#](#}
		grep -qx -- "${link%)}" <<<"$anchors" || fail "the contents line links #${link%)}, which is no heading"
	done < <(grep -o '](#[^)]*)' <<<"$contents")
}

@test "MANUAL's exit status table says what a closed pipe gives (141)" {
	run awk '/^### Exit status/ { on = 1; next } on && /^#/ { exit } on && /^\| 141 \|/' "$PGS_ROOT/MANUAL.md"
	assert_success
	assert_output --partial "SIGPIPE"
	assert_output --partial "pipefail"
}

@test "README.md and MANUAL.md stand alone: they never point at ../shared, SPEC or SOURCES.md" {
	run grep -nE '\.\./shared|shared/(data|SPEC)|\bSPEC\b|SOURCES\.md' "$PGS_ROOT/README.md" "$PGS_ROOT/MANUAL.md"
	assert_failure 1
	assert_output ""
}
