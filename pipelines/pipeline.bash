# shellcheck shell=bash disable=SC2034
# pipeline.bash — the options the pipelines share; sourced, not run.
#
# Messages (die, usage, usage_error), the common options (-h -V -q -v,
# worded as every tool words them), a URI with a password moved off the
# command line, and the run's id.  What a run does — plans, batches,
# records, progress, dates — is the tools' (pgs-checkpoint, pgs-run).

prog=${0##*/}
quiet=0 verbose=0 v=() q=()

die() {
	printf '%s: %s\n' "$prog" "$1" >&2
	exit "${2:-3}"
}

# The "# Usage:" header of the pipeline, up to its first line that is not a comment.
usage() {
	sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "$0"
}

usage_error() {
	printf "%s: %s\nTry '%s --help'.\n" "$prog" "$1" "$prog" >&2
	exit 2
}

# need_arg ARGS_LEFT OPTION: the option's value must follow it.
need_arg() {
	[ "$1" -gt 0 ] || usage_error "option '$2' needs a value"
}

check_count() {
	[[ $2 =~ ^[1-9][0-9]{0,5}$ ]] || usage_error "bad $1 '$2' (want a positive integer)"
}

# common_option OPT: -h, -V, -q and -v; returns 1 for any other option.
# v and q hold the flag to hand to the tools (-v, -q).
common_option() {
	local version
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-V | --version)
		# pgs's version is the tools' version
		version=$(pgs-checkpoint --version) || die "cannot run pgs-checkpoint --version" 3
		printf '%s %s\n' "$prog" "${version##* }"
		exit 0
		;;
	-q | --quiet) quiet=1 verbose=0 v=() q=(-q) ;;
	-v | --verbose) verbose=1 quiet=0 v=(-v) q=() ;;
	*) return 1 ;;
	esac
}

# has_secret VALUE: a URI with a password (user:PASS@) or a secret
# parameter (password=, token=, key= ...), as the tools redact them.
has_secret() {
	[[ $1 =~ ^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@ ||
		$1 =~ [?\&\ ](password|pass|token|access_token|key|secret|sslpassword)= ]]
}

# hide_secrets [--operands] VAR:OPTION... -- ARGS...: when one of the
# OPTIONs (--store, --source) is given a URI with a secret in ARGS, run the
# pipeline again with that URI in the environment variable VAR instead of on
# its command line, where ps shows it to everyone.  With --operands an
# operand with a secret becomes --source-env PGS_SOURCE_N (first), the URI
# in that variable.  Returns when there is nothing to hide.
hide_secrets() {
	local -a map=() args=() env=()
	local a name val m moved=0 operands=0 ended=0
	[ "$1" != --operands ] || { operands=1; shift; }
	while [ "$1" != -- ]; do
		map+=("$1")
		shift
	done
	shift
	while [ $# -gt 0 ]; do
		a=$1 name=""
		shift
		if [ "$ended" -eq 0 ]; then
			case $a in
			--) ended=1 ;;
			--?*=*) name=${a%%=*} val=${a#*=} ;;
			--?*) name=$a val=${1-} ;;
			esac
		fi
		if [ -z "$name" ] && [ "$operands" -eq 1 ] && has_secret "$a"; then
			moved=$((moved + 1))
			export "PGS_SOURCE_$moved=$a"
			env+=(--source-env "PGS_SOURCE_$moved")
			continue
		fi
		for m in "${map[@]}"; do
			if [ -n "$name" ] && [ "$name" = "${m#*:}" ] && has_secret "$val"; then
				export "${m%%:*}=$val"
				moved=$((moved + 1))
				[ "$a" != "$name" ] || shift
				continue 2
			fi
		done
		args+=("$a")
	done
	[ "$moved" -eq 0 ] || exec "$0" ${env[@]+"${env[@]}"} ${args[@]+"${args[@]}"}
}

# need_tools TOOL...: every tool must be on PATH.
need_tools() {
	local t
	for t; do
		command -v "$t" >/dev/null || die "'$t' not found on PATH" 3
	done
}

# start_run JOB: one run id and start for every write of this run: pgs-write
# records them in its ledger and refuses writers older than the last
# committer.  And the run's temporary directory, removed when it exits.
start_run() {
	export PGS_RUN_STARTED=${EPOCHREALTIME//[!0-9]/}
	export PGS_RUN_ID=$1-$PGS_RUN_STARTED
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prog.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
}

# plan JOB FROM TO ARGS...: pgs-checkpoint plan of the job into $tmp/plan
# (its usage errors are the pipeline's: exit 2); exits 0 when there is
# nothing to do.
plan() {
	local job=$1 from=$2 to=$3 st=0
	shift 3
	pgs-checkpoint "${q[@]}" plan --name "$prog" --job "$job" --from "$from" --to "$to" "$@" >"$tmp/plan" 2>"$tmp/plan.err" || st=$?
	cat "$tmp/plan.err" >&2
	[ "$st" -ne 2 ] || exit 2
	# --restart is the way out of a state file that does not parse, and of
	# nothing else (a store that cannot be opened stays so)
	if [ "$st" -ne 0 ] && grep -q 'bad state file' "$tmp/plan.err"; then
		die "cannot plan job '$job' (--restart starts it over)" 3
	fi
	[ "$st" -eq 0 ] || die "cannot plan job '$job'" 3
	if ! [ -s "$tmp/plan" ]; then
		[ "$quiet" -eq 1 ] || printf '%s: job %s: nothing to do (%s..%s already done)\n' "$prog" "$job" "$from" "$to" >&2
		exit 0
	fi
}

# run JOB PGS-RUN-ARGS...: pgs-run over the plan, as this pipeline; the
# plan stays open on its standard input after the temporary directory goes.
run() {
	local job=$1
	shift
	exec <"$tmp/plan"
	rm -rf "$tmp"
	trap - EXIT
	exec pgs-run "${v[@]}" "${q[@]}" --name "$prog" --job "$job" "$@"
}
