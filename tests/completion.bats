#!/usr/bin/env bats
# Bash completion (scripts/completion, make completion): made from the
# programs' own options (a tool's hidden --list-options, printed from the
# table that parses them; a pipeline's --help), sourced by bash, and
# installed where bash-completion loads it on demand.

load test_helper

setup_file() {
	export COMP_FILE="$BATS_FILE_TMPDIR/pgs"
	"$BATS_TEST_DIRNAME/../scripts/completion" -o "$COMP_FILE" \
		"$BATS_TEST_DIRNAME"/../bin/pgs-* "$BATS_TEST_DIRNAME"/../pipelines/pgs-*
}

setup() {
	common_setup
}

# complete FILE WORD...: what bash offers for the last WORD of the command
# line WORD..., with FILE sourced; one candidate a line, sorted.
complete_words() {
	local file=$1
	shift
	bash -c '
		. "$1" || exit 3
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		spec=$(complete -p "$1") || exit 4
		fn=${spec#*-F }
		fn=${fn%% *}
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' _ "$file" "$@"
}

@test "complete -p pgs-write: every tool and pipeline has the completion function" {
	run bash -c '. "$1" && complete -p pgs-write' _ "$COMP_FILE"
	assert_success
	assert_output "complete -o bashdefault -o default -F _pgs_complete pgs-write"
	for p in "$PGS_ROOT"/bin/pgs-* "$PGS_ROOT"/pipelines/pgs-*; do
		run bash -c '. "$1" && complete -p "$2"' _ "$COMP_FILE" "$(basename "$p")"
		assert_success
	done
	# and a command that is not pgs's is left alone
	run bash -c '. "$1" && complete -p cat' _ "$COMP_FILE"
	assert_failure
}

@test "pgs-write --st<TAB> gives --store; a pipeline's options, a tool's subcommands" {
	run complete_words "$COMP_FILE" pgs-write --st
	assert_success
	assert_output "--store"
	run complete_words "$COMP_FILE" pgs-write --r
	assert_output "--rejects
--run-id
--run-started"
	run complete_words "$COMP_FILE" pgs-backfill --allow
	assert_output "--allow-empty"
	run complete_words "$COMP_FILE" pgs-checkpoint ""
	assert_output "done
fail
list
plan
reset
status"
	run complete_words "$COMP_FILE" pgs-checkpoint -q pl
	assert_output "plan"
	# after an operand no subcommand is offered (file names are, by -o default)
	run complete_words "$COMP_FILE" pgs-checkpoint plan pl
	assert_output ""
	run complete_words "$COMP_FILE" pgs-write --nosuch
	assert_output ""
}

@test "completion cannot drift: every option of each --help usage is offered, and nothing the tool refuses" {
	local p name opt syn offered
	for p in "$PGS_ROOT"/bin/pgs-* "$PGS_ROOT"/pipelines/pgs-*; do
		name=$(basename "$p")
		offered=$(complete_words "$COMP_FILE" "$name" -)
		syn=$("$p" --help | awk 'NR == 1 || /^[ \t]+[^ \t]/ { print; next } { exit }')
		while IFS= read -r opt; do
			grep -qx -- "$opt" <<<"$offered" || fail "$name: $opt is in its usage but not offered"
		done < <(grep -oE '(^|[[ (|])--?[A-Za-z][A-Za-z0-9-]*' <<<"$syn" | sed 's/^[[ (|]//' | sort -u)
		# each offered option is one the program takes: parsing stops at the
		# unknown option after it (and its value), not at it
		while IFS= read -r opt; do
			run --separate-stderr timeout 20 "$p" "$opt" x --no-such-option-zz </dev/null
			[[ $stderr != *"unknown option '$opt'"* ]] || fail "$name: $opt is offered but unknown: $stderr"
		done <<<"$offered"
	done
}

@test "a tool's --list-options prints the options of its own table and its subcommands, and only when alone" {
	run --separate-stderr pgs-write --list-options
	assert_success
	assert_line -- "--store"
	assert_line -- "--allow-shrink"
	assert_line -- "-q"
	assert_line -- "--rejects"
	assert_equal "$stderr" ""
	# not an option of its own anywhere else: with anything after it, an unknown option
	run -2 --separate-stderr pgs-write --list-options --store x
	[[ $stderr == *"unknown option '--list-options'"* ]]
	# pgs-transform has no --store: not listed, so not offered
	run pgs-transform --list-options
	refute_line -- "--store"
	run pgs-checkpoint --list-options
	assert_line "plan"
	assert_line "reset"
}

@test "make install puts it where bash-completion looks; bash-completion loads it on demand" {
	[ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	local dest=$BATS_TEST_TMPDIR/dest prefix=/opt/pgs dir
	run make_as_built -s -o all install PREFIX="$prefix" DESTDIR="$dest"
	assert_success
	dir=$dest$prefix/share/bash-completion/completions
	[ -f "$dir/pgs" ]
	for p in "$PGS_ROOT"/bin/pgs-* "$PGS_ROOT"/pipelines/pgs-*; do
		[ "$(readlink "$dir/$(basename "$p")")" = pgs ] || fail "no link $dir/$(basename "$p")"
	done
	cmp "$dir/pgs" "$PGS_ROOT/build/completion/pgs"
	# bash-completion finds completions/pgs-write under XDG_DATA_DIRS when pgs-write is first completed
	XDG_DATA_DIRS="$dest$prefix/share" run bash -c '
		. /usr/share/bash-completion/bash_completion
		complete -p pgs-write >/dev/null 2>&1 && { echo "loaded too early"; exit 1; }
		__load_completion pgs-write || exit 5
		complete -p pgs-write
		COMP_WORDS=(pgs-write --st) COMP_CWORD=1
		_pgs_complete pgs-write --st pgs-write
		echo "${COMPREPLY[*]}"
	'
	assert_success
	assert_line --index 0 "complete -o bashdefault -o default -F _pgs_complete pgs-write"
	assert_line --index 1 -- "--store"
}
