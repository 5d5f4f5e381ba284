# shellcheck shell=bash
# pipeline.bash — what pgs-ingest and pgs-backfill share; sourced, not run.
#
# Messages and options (die, usage, -h -V -q -v), dates without forking
# date(1), and run_batches: every batch of a job's plan through the
# pipeline's stages, recorded with pgs-checkpoint, with one progress line
# per batch, a summary and one exit status.
#
# A pipeline sources this file under `set -euo pipefail`, then defines
#   batch_stages FROM TO   run the stages of one batch with standard output
#                          going to pgs-write's statistics line; set the
#                          arrays stage_names and stage_status (PIPESTATUS)
# and sets job, jobs, halt and dry_run before calling run_batches.  A
# pipeline whose stages can take a window stream also defines
#   stream_stages WINDOWS  the stages of every window of the file WINDOWS in
#                          one pipeline (pgs-extract --windows ... pgs-write
#                          --windows), the statistics lines on standard
#                          output; sets stage_names and stage_status
# and sets stream=1: then a run of one batch at a time starts each stage
# once for all its batches instead of once a batch (run_stream).
#
# Per batch the shell forks only the stages and one pgs-checkpoint: counts,
# dates and times are bash arithmetic ($EPOCHREALTIME), never awk, jq or date.

prog=${0##*/}
quiet=0 verbose=0
jobs=1 halt=0 dry_run=0

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

# common_option OPT: -h, -V, -q and -v, worded as every tool words them;
# returns 1 for any other option.
common_option() {
	local v
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-V | --version)
		# pgs's version is the tools' version
		v=$(pgs-checkpoint --version) || die "cannot run pgs-checkpoint --version" 3
		printf '%s %s\n' "$prog" "${v##* }"
		exit 0
		;;
	-q | --quiet) quiet=1 verbose=0 ;;
	-v | --verbose) verbose=1 quiet=0 ;;
	*) return 1 ;;
	esac
}

# has_secret URI: the URI carries a password (user:PASS@, password=...).
has_secret() {
	[[ $1 =~ ^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@ || $1 == *[?\&\ ]password=* ]]
}

# hide_secrets VAR:OPTION... -- ARGS...: when one of the OPTIONs (--store,
# --source) is given a URI with a password in ARGS, run the pipeline again
# with that URI in the environment variable VAR instead of on its command
# line, where ps shows it to everyone.  Returns when there is nothing to hide.
hide_secrets() {
	local -a map=() args=()
	local a name val m moved=0
	while [ "$1" != -- ]; do
		map+=("$1")
		shift
	done
	shift
	while [ $# -gt 0 ]; do
		a=$1
		shift
		case $a in
		--) args+=("$a" "$@"); break ;;
		--?*=*) name=${a%%=*} val=${a#*=} ;;
		--?*) [ $# -gt 0 ] || { args+=("$a"); continue; }; name=$a val=$1 ;;
		*) args+=("$a"); continue ;;
		esac
		for m in "${map[@]}"; do
			if [ "$name" = "${m#*:}" ] && has_secret "$val"; then
				export "${m%%:*}=$val"
				moved=1
				[ "$a" != "$name" ] || shift
				continue 2
			fi
		done
		args+=("$a")
	done
	[ "$moved" -eq 0 ] || exec "$0" "${args[@]}"
}

# need_tools TOOL...: every tool must be on PATH.
need_tools() {
	local t
	for t; do
		command -v "$t" >/dev/null || die "'$t' not found on PATH" 3
	done
}

# day_number YYYY-MM-DD: REPLY = days since 1970-01-01 (proleptic Gregorian,
# the arithmetic of lib/dates.c).  Sets REPLY rather than printing, so that
# calling it forks nothing.
day_number() {
	local y=$((10#${1:0:4})) m=$((10#${1:5:2})) d=$((10#${1:8:2})) era yoe doy
	((m > 2)) || y=$((y - 1))
	era=$((y / 400))
	yoe=$((y - era * 400))
	doy=$(((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1))
	REPLY=$((era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468))
}

# check_date OPTION VALUE: a real calendar date YYYY-MM-DD, years 1900..2199 as in the tools.
check_date() {
	local y m d last
	[[ $2 =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})$ ]] || usage_error "bad $1 '$2' (want YYYY-MM-DD)"
	y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
	last=31
	case $m in
	4 | 6 | 9 | 11) last=30 ;;
	2) last=$((y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28)) ;;
	esac
	((y >= 1900 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 && d <= last)) ||
		usage_error "bad $1 '$2' (want YYYY-MM-DD)"
}

check_count() {
	[[ $2 =~ ^[1-9][0-9]{0,5}$ ]] || usage_error "bad $1 '$2' (want a positive integer)"
}

# check_window FROM TO: both dates good and FROM not after TO.
check_window() {
	check_date --from "$1"
	check_date --to "$2"
	[[ ! $2 < $1 ]] || usage_error "--to $2 is before --from $1"
}

# now_us: REPLY = microseconds since the epoch (any locale's decimal point).
now_us() {
	REPLY=${EPOCHREALTIME//[!0-9]/}
}

# start_run: one run id and start time for every batch of this run; pgs-write
# records them in its ledger and refuses writers older than the last committer.
# Also the run's temporary directory, removed when the pipeline exits.
start_run() {
	now_us
	run_t0=$REPLY
	PGS_RUN_STARTED=$run_t0
	PGS_RUN_ID="$job-$run_t0"
	export PGS_RUN_ID PGS_RUN_STARTED
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prog.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# this machine's batches take turns for their commit transaction on
	# BigQuery, which aborts concurrent ones on a table (MANUAL: BigQuery)
	export PGS_COMMIT_LOCK=${PGS_COMMIT_LOCK:-$tmp/commit.lock}
	# a signal stops the work in flight (interrupted, below); a closed
	# stderr (| head) ends the run the same way
	trap 'interrupted INT 2' INT
	trap 'interrupted TERM 15' TERM
	trap 'interrupted PIPE 13' PIPE
}

# in_group COMMAND...: run COMMAND (a function) in a process group of its
# own, with standard input from /dev/null, and wait for it, so that an
# interrupt can stop all of it; its status in group_status.
in_group() {
	group_status=0
	set -m
	"$@" </dev/null &
	worker=$! worker_kind=group
	set +m
	# shellcheck disable=SC2034 # the callers read it
	wait "$worker" || group_status=$?
	worker=""
}

# plan_job ARGS...: pgs-checkpoint plan --job $job ARGS into $tmp/plan; its
# message about stale ledger windows is shown, and their number kept in
# stale_windows.  Exits 0 when there is nothing to do.
plan_job() {
	local line=""
	if ! pgs-checkpoint plan --job "$job" "$@" >"$tmp/plan" 2>"$tmp/plan.log"; then
		cat "$tmp/plan.log" >&2
		die "cannot plan job '$job' (--restart starts it over)" 3
	fi
	if [ -s "$tmp/plan.log" ]; then
		read -r line <"$tmp/plan.log" || true
		[[ ! $line =~ \ ([0-9]+)\ ledger\ windows\ are\ stale ]] || stale_windows=${BASH_REMATCH[1]}
		[ "$quiet" -eq 1 ] || cat "$tmp/plan.log" >&2
	fi
	if ! [ -s "$tmp/plan" ]; then
		[ "$quiet" -eq 1 ] || printf '%s: job %s: nothing to do (%s..%s already done)\n' "$prog" "$job" "$from" "$to" >&2
		exit 0
	fi
}

# parse_stats LINE: the counts of pgs-write's statistics line into the array
# counts (rows_in inserted updated unchanged deleted); 1 when one is missing.
parse_stats() {
	local k
	counts=()
	for k in rows_in inserted updated unchanged deleted; do
		[[ $1 =~ \"$k\":([0-9]+) ]] || return 1
		counts+=("${BASH_REMATCH[1]}")
	done
}

# ---- one batch ----------------------------------------------------------------

# stage_message STAGE CODE LOG: REPLY = "STAGE exited CODE: " and the stage's
# own last diagnostic in the file LOG, else the shell's word about it (not
# found, killed).
# shellcheck disable=SC2317 # also called through batch_job, remote_batch, stream_worker
stage_message() {
	local m
	m=$(grep "^$1: " "$3" | tail -n 1 || true)
	m=${m#"$1: "}
	[ -n "$m" ] || m=$(grep -F "$1" "$3" | tail -n 1 || true)
	REPLY="$1 exited $2${m:+: $m}"
}

# batch_job FROM TO: run one batch, record it in the job's checkpoint, and
# print one result line on standard output:
#   STATUS FROM TO DAYS ROWS_IN INSERTED UPDATED UNCHANGED DELETED CODE MESSAGE
# tab-separated; STATUS is done, failed or refused, CODE the batch's exit
# code (0, 1 when rows were rejected, else the failing stage's).  Returns 1
# when the batch did not succeed (GNU parallel's --halt counts it).
# shellcheck disable=SC2317 # called through in_group or GNU parallel
batch_job() {
	local from=$1 to=$2 status code msg
	local -a counts=()

	batch_run "$from" "$to"
	batch_record "$from" "$to" || exit 3
	batch_result "$from" "$to"
	[ "$status" = "done" ]
}

# batch_run FROM TO: the stages of one batch, their statistics line in
# $tmp/FROM.stats and their diagnostics in $tmp/FROM.log (FROM is $batch_slot
# when that is set: see run_batches); sets the caller's status, code, msg and
# counts (see batch_job).
# shellcheck disable=SC2317 # called through batch_job or remote_batch
batch_run() {
	local from=$1 to=$2 base=$tmp/${batch_slot:-$1} stage="" line="" i
	local -a stage_names=() stage_status=()
	status="done" code=0 msg="" counts=(0 0 0 0 0)

	batch_stages "$from" "$to" >"$base.stats" 2>"$base.log" </dev/null || true
	# The first stage that failed by itself is the cause (a stage after it
	# only missed the end marker); one killed by SIGPIPE (141) only lost its
	# reader; 4 from pgs-write is a guard's refusal; 1 means rows were rejected.
	for i in "${!stage_status[@]}"; do
		if [ "${stage_status[i]}" -ge 2 ] && [ "${stage_status[i]}" -ne 141 ]; then
			stage=${stage_names[i]} code=${stage_status[i]}
			break
		fi
	done
	if [ -z "$stage" ]; then
		for i in "${!stage_status[@]}"; do
			if [ "${stage_status[i]}" -eq 141 ]; then
				stage=${stage_names[i]} code=141
				break
			fi
			[ "${stage_status[i]}" -ne 1 ] || code=1
		done
	fi
	read -r line <"$base.stats" || true
	if [ -z "$stage" ]; then
		parse_stats "$line" || { status=failed code=3 msg="no statistics from pgs-write"; }
	elif [ "$stage" = pgs-write ] && [ "$code" -eq 4 ]; then
		status=refused
		case $line in
		*'"refused":"shrink"'*) msg="refused by pgs-write's shrink guard (the window would lose rows; see --allow-shrink)" ;;
		*'"refused":"fenced"'*) msg="refused by pgs-write's fencing (a newer run has written these dates)" ;;
		*) msg="refused by pgs-write" ;;
		esac
	else
		status=failed
		stage_message "$stage" "$code" "$base.log"
		msg=$REPLY
	fi
	[ "$status" = "done" ] || counts=(0 0 0 0 0)
}

# batch_record FROM TO: record the batch of the caller's status and msg in
# the job's checkpoint, from $tmp/FROM.stats (nothing in a dry run); says
# why and returns 1 when the checkpoint could not be updated.
# shellcheck disable=SC2317 # called through batch_job or remote_results
batch_record() {
	local from=$1 to=$2 stats=$tmp/${batch_slot:-$1}.stats
	[ "$dry_run" -eq 0 ] || return 0
	if [ "$status" = "done" ]; then
		pgs-checkpoint "done" --job "$job" --from "$from" --to "$to" <"$stats" && return 0
		printf '%s: cannot mark batch %s..%s done in job '\''%s'\''\n' "$prog" "$from" "$to" "$job" >&2
	elif [ "$status" = refused ]; then
		# pgs-checkpoint reads the refusal from the statistics, records it, and says 4
		pgs-checkpoint "done" --job "$job" --from "$from" --to "$to" <"$stats" 2>/dev/null ||
			[ $? -eq 4 ] && return 0
		printf '%s: cannot record batch %s..%s refused in job '\''%s'\''\n' "$prog" "$from" "$to" "$job" >&2
	else
		pgs-checkpoint fail --job "$job" --from "$from" --to "$to" --error "$msg" && return 0
		printf '%s: cannot mark batch %s..%s failed in job '\''%s'\''\n' "$prog" "$from" "$to" "$job" >&2
	fi
	return 1
}

# batch_result FROM TO: batch_job's result line of the caller's status,
# counts, code and msg.
# shellcheck disable=SC2317 # called through batch_job or remote_batch
batch_result() {
	local a
	day_number "$1"
	a=$REPLY
	day_number "$2"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$status" "$1" "$2" $((REPLY - a + 1)) \
		"${counts[@]}" "$code" "${msg//$'\t'/ }"
}

# ---- remote hosts ---------------------------------------------------------------
#
# With GNU parallel's --sshlogin/--sshloginfile (in remote_opts), each batch
# runs on a host through ssh: remote_batch runs its stages there and sends
# the batch's outcome back on its standard output, framed; the coordinator
# records it with pgs-checkpoint and accounts for it (remote_results).  A
# host gets what it needs in variables carried with GNU parallel's --env
# (remote_env): they travel on ssh's command line, so none may be a secret.

remote_opts=() remote_env=()

# without_secrets URI: REPLY = URI without the password of its user and
# without the parameters that hold secrets (password=, token=, ...), the
# ones pgs masks; a host finds its password in its own environment or files.
without_secrets() {
	local u=$1 p kept=""
	local -a params=()
	if [[ $u =~ ^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)@(.*)$ ]]; then
		u=${BASH_REMATCH[1]}${BASH_REMATCH[2]%%:*}@${BASH_REMATCH[3]}
	fi
	if [[ $u == *\?* ]]; then
		IFS='&' read -r -a params <<<"${u#*\?}"
		u=${u%%\?*}
		for p in "${params[@]}"; do
			case ${p%%=*} in
			password | pass | token | access_token | key | secret | sslpassword) ;;
			*) kept+=${kept:+&}$p ;;
			esac
		done
		[ -z "$kept" ] || u+="?$kept"
	fi
	REPLY=$u
}

# remote_check: on a host, REPLY = why batches cannot run there (a tool not
# on PATH, another pgs version, an aliases or lines file that is not the
# coordinator's), or nothing.
# shellcheck disable=SC2317 # called through remote_batch
remote_check() {
	local t v f sum want
	REPLY=""
	for t in pgs-extract pgs-resolve pgs-transform pgs-write; do
		if ! command -v "$t" >/dev/null; then
			REPLY="'$t' not found on PATH (--remote-path DIR names the directory of the pgs tools there)"
			return
		fi
	done
	v=$(pgs-write --version 2>/dev/null) || true
	if [ "${v##* }" != "$pgs_version" ]; then
		REPLY="pgs ${v##* } there, $pgs_version on the coordinator: every host needs the same version"
		return
	fi
	for f in aliases lines; do
		[ -n "${!f}" ] || continue
		want=${f}_sum
		sum=$(sha256sum <"${!f}" 2>/dev/null) || true
		if [ "${sum%% *}" != "${!want}" ]; then
			REPLY="the $f file '${!f}' is missing there or differs from the coordinator's (every host needs the same file at the same path)"
			return
		fi
	done
}

# remote_batch FROM TO: on a host, run one batch and print it framed:
#   pgs-batch TAB FROM TAB TO TAB HOST
#   result TAB the result line of batch_job
#   stats TAB pgs-write's statistics line
#   log TAB a line of the stages' diagnostics     (any number of them)
#   end TAB FROM TAB TO
# and exit 0, whatever became of the batch, so that a non-zero exit is a
# lost host (ssh's 255, a killed worker), which GNU parallel retries on
# another one; with --halt-on-error (no retries) 1 when the batch did not
# succeed, for GNU parallel's --halt.
# shellcheck disable=SC2317 # called through GNU parallel
remote_batch() {
	local from=$1 to=$2 host=${PARALLEL_SSHHOST:-localhost} status code msg line
	local -a counts=(0 0 0 0 0)

	[ -z "$remote_path" ] || PATH=$remote_path:$PATH
	# (global: the EXIT trap removes it)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgs-batch.XXXXXX") || exit 3
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	trap 'exit 129' HUP
	remote_check
	if [ -z "$REPLY" ]; then
		batch_run "$from" "$to"
	else
		status=failed code=3 msg=$REPLY
		: >"$tmp/$from.stats"
		: >"$tmp/$from.log"
	fi
	[ "$status" = "done" ] || msg="host $host: $msg"
	line=""
	read -r line <"$tmp/$from.stats" || true
	{
		printf 'pgs-batch\t%s\t%s\t%s\nresult\t' "$from" "$to" "$host"
		batch_result "$from" "$to"
		printf 'stats\t%s\n' "$line"
		while IFS= read -r line || [ -n "$line" ]; do
			printf 'log\t%s\n' "$line"
		done <"$tmp/$from.log"
		printf 'end\t%s\t%s\n' "$from" "$to"
	} || exit 3
	[ "$halt" -eq 0 ] || [ "$status" = "done" ] || exit 1
	exit 0
}

# remote_results FD: on the coordinator, read remote_batch's frames from FD,
# record each batch in the job's checkpoint and account for it.  A frame
# cut short is dropped: its batch counts as giving no result.
remote_results() {
	local fd=$1 line kind rest from="" to="" host result="" status code msg
	local -a counts=()
	while IFS= read -r -u "$fd" line; do
		kind=${line%%$'\t'*} rest=${line#*$'\t'}
		case $kind in
		pgs-batch)
			IFS=$'\t' read -r from to host <<<"$rest"
			result=""
			# the dates name files here: only dates
			if ! [[ $from =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ && $to =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
				from=""
				continue
			fi
			: >"$tmp/$from.stats"
			# -v says where each batch ran, first among its diagnostics
			if [ "$verbose" -eq 1 ]; then
				printf '%s: batch %s..%s ran on host %s\n' "$prog" "$from" "$to" "$host" >"$tmp/$from.log"
			else
				: >"$tmp/$from.log"
			fi
			;;
		result) [ -z "$from" ] || result=$rest ;;
		stats) [ -z "$from" ] || printf '%s\n' "$rest" >"$tmp/$from.stats" ;;
		log) [ -z "$from" ] || printf '%s\n' "$rest" >>"$tmp/$from.log" ;;
		end)
			if [ -n "$from" ] && [ -n "$result" ] && [ "$rest" = "$from"$'\t'"$to" ]; then
				IFS=$'\t' read -r status _ _ _ _ _ _ _ _ code msg <<<"$result"
				if batch_record "$from" "$to"; then
					account "$result"
				else
					run_lost=$((run_lost + 1))
				fi
			fi
			from=""
			;;
		esac
	done
}

# remote_lost: name the batches whose last try ended with ssh's 255 (the
# host was lost or could not be reached), from GNU parallel's job log.
remote_lost() {
	local seq host exitval cmd b
	local -A lost=()
	[ -s "$tmp/joblog" ] || return 0
	while IFS=$'\t' read -r seq host _ _ _ _ exitval _ cmd; do
		[[ $seq =~ ^[0-9]+$ && $exitval == 255 && $cmd =~ remote_batch\ ([0-9-]+)\ ([0-9-]+) ]] || continue
		host=${host##* }
		lost[$host]+=" ${BASH_REMATCH[1]}..${BASH_REMATCH[2]}"
	done <"$tmp/joblog"
	for b in "${!lost[@]}"; do
		printf '%s: host %s was lost or could not be reached (ssh exited 255); no result for:%s\n' \
			"$prog" "$b" "${lost[$b]}" >&2
	done
}

# ---- the run --------------------------------------------------------------------

# The run's totals, kept by the coordinator from the workers' result lines.
run_batches_n=0 run_days=0 run_rows=0 run_ins=0 run_upd=0 run_unch=0 run_del=0
run_rejected=0 run_lost=0 batches_total=0 days_total=0 stale_windows=0
run_failed=() run_refused=()
worker="" worker_kind="" batch_slot="" stream=0 logs_shown=0 stream_mode="" stream_to="" stream_pid=""

# account LINE: add one result line of batch_job to the totals, show the
# batch's stage diagnostics, then the progress line.
account() {
	local status from to days rows ins upd unch del code msg l elapsed rate eta log
	IFS=$'\t' read -r status from to days rows ins upd unch del code msg <<<"$1"
	log=$tmp/${batch_slot:-$from}.log   # (batch_run's file)
	# a worker that died (or was killed) before printing its line
	if ! [[ $status =~ ^(done|failed|refused)$ && $code =~ ^[0-9]+$ ]]; then
		run_lost=$((run_lost + 1))
		return 0
	fi
	run_batches_n=$((run_batches_n + 1)) run_days=$((run_days + days)) run_rows=$((run_rows + rows))
	run_ins=$((run_ins + ins)) run_upd=$((run_upd + upd)) run_unch=$((run_unch + unch))
	run_del=$((run_del + del))
	[ "$code" -ne 1 ] || run_rejected=$((run_rejected + 1))
	case $status in
	failed) run_failed+=("$from..$to  $msg") ;;
	refused) run_refused+=("$from..$to  $msg") ;;
	esac

	if [ "$logs_shown" -eq 1 ]; then
		: # run_stream shows the stream's log as it comes
	elif [ -s "$log" ] && { [ "$quiet" -eq 0 ] || [ "$status" != "done" ]; }; then
		[ ! -t 2 ] || [ "$quiet" -eq 1 ] || printf '\n' >&2 || true
		cat "$log" >&2 || true
	fi
	[ "$quiet" -eq 0 ] || return 0

	now_us
	elapsed=$(((REPLY - run_t0) / 1000)) # ms
	rate=$((elapsed > 0 ? run_rows * 1000 / elapsed : 0))
	eta=$((run_days > 0 ? elapsed * (days_total - run_days) / run_days / 1000 : 0))
	printf -v l '%d/%d batches  %d/%d days  %d rows  %d rows/s  eta %d:%02d:%02d' "$run_batches_n" \
		"$batches_total" "$run_days" "$days_total" "$run_rows" "$rate" $((eta / 3600)) $((eta % 3600 / 60)) $((eta % 60))
	[ "${#run_failed[@]}" -eq 0 ] || l+="  ${#run_failed[@]} failed"
	[ "${#run_refused[@]}" -eq 0 ] || l+="  ${#run_refused[@]} refused"
	[ "$stale_windows" -eq 0 ] || l+="  $stale_windows stale windows redone"
	# (a closed stderr is SIGPIPE's business: the trap stops the run)
	if [ -t 2 ]; then
		printf '\r%s: %s\033[K' "$prog" "$l" >&2 || true
	else
		printf '%s: %s\n' "$prog" "$l" >&2 || true
	fi
}

# ---- window streams ----------------------------------------------------------------
#
# A pipeline that defines stream_stages (stream=1) runs its batches through
# window streams, each stage started once for many batches: pgs-extract
# --windows reads window after window, each stage passes a window marker on
# after the window's rows, pgs-write --windows commits each window at its
# marker (one transaction and ledger entry a window, as a batch of its own)
# and pgs-checkpoint done --stream records it.  Starting the stages once
# instead of once a batch is what makes one-day batches cheap.  When a
# stage fails, the windows recorded so far stay done; the first window
# without a record is tried again in a stream of its own, so a failure is
# recorded against the batch that caused it, with its stage's message, as
# a batch run alone would be; the stream then goes on after it.
#
# With --jobs 1 the coordinator runs one stream over the whole plan
# (run_stream) and accounts for each batch as it is recorded; with --jobs N
# GNU parallel runs stream_worker over contiguous chunks of the plan, N at
# a time, and each worker prints batch_job's result line of each batch as
# it is recorded, its diagnostics in $tmp/FROM.log, as batch_job does.

# show_stream_log: the lines the stages wrote to the stream's log since the
# last call, to stderr, or with stream_to set to the file $tmp/$stream_to.log
# (a line still being written waits for the next call).
# shellcheck disable=SC2317 # also called through stream_worker
show_stream_log() {
	local l
	while IFS= read -r -u "$stream_logfd" l; do
		if [ -n "$stream_partial" ]; then
			l=$stream_partial$l
			stream_partial=""
		fi
		if [ -n "$stream_to" ]; then
			printf '%s\n' "$l" >>"$tmp/$stream_to.log"
		else
			printf '%s\n' "$l" >&2 || true
		fi
	done
	stream_partial+=$l
}

# stream_job SLOT: stream_stages over the windows of $tmp/SLOT.windows,
# every window recorded (not in a dry run); the recorded statistics lines
# on standard output, the stages' exit statuses and the recorder's in
# $tmp/SLOT.status, their diagnostics in $tmp/SLOT.log.
# shellcheck disable=SC2317 # called through run_stream
stream_job() {
	local slot=$1
	local -a rec=(pgs-checkpoint "done" --job "$job" --stream) pst
	[ "$dry_run" -eq 0 ] || rec=(cat)
	{
		local -a stage_names=() stage_status=()
		stream_stages "$tmp/$slot.windows" </dev/null || true
		printf '%s\n' "${stage_names[*]}" "${stage_status[*]}" >"$tmp/$slot.status"
	} 2>>"$tmp/$slot.log" | "${rec[@]}"
	pst=("${PIPESTATUS[@]}")
	printf '%s\n' "${pst[1]}" >>"$tmp/$slot.status"
}

# stream_result LINE: batch_job's result line of a recorded statistics line.
# shellcheck disable=SC2317 # also called through stream_worker
stream_result() {
	local from to
	[[ $1 =~ \"from\":\"([0-9-]+)\" ]] && from=${BASH_REMATCH[1]}
	[[ $1 =~ \"to\":\"([0-9-]+)\" ]] && to=${BASH_REMATCH[1]}
	status="done" code=0 msg=""
	parse_stats "$1" || { status=failed code=3 msg="bad statistics line from pgs-write"; }
	case $1 in
	*'"refused":"shrink"'*) status=refused code=4 msg="refused by pgs-write's shrink guard (the window would lose rows; see --allow-shrink)" ;;
	*'"refused":"fenced"'*) status=refused code=4 msg="refused by pgs-write's fencing (a newer run has written these dates)" ;;
	*'"refused":'*) status=refused code=4 msg="refused by pgs-write" ;;
	*'"rejected'*) code=1 ;;
	esac
	[ "$status" = "done" ] || counts=(0 0 0 0 0)
	batch_result "$from" "$to"
}

# stream_emit LINE: one batch's result line: accounted for by the
# coordinator (stream_mode coord), or printed by a worker for it.
# shellcheck disable=SC2317 # also called through stream_worker
stream_emit() {
	if [ "$stream_mode" = coord ]; then
		account "$1"
	else
		printf '%s\n' "$1"
	fi
}

# stream_run PLAN SLOT: every batch of PLAN through window streams, their
# files $tmp/SLOT.*, each batch's result through stream_emit.  Returns 1
# when --halt-on-error stopped it, 3 when the checkpoint could not record.
# shellcheck disable=SC2317 # also called through stream_worker
stream_run() {
	local slot=$2 log=$tmp/$2.log
	local -a wins=() snames=() sstatus=() counts=()
	local i=0 first n line res rec_status stage msg status code k from to spid
	mapfile -t wins <"$1"
	n=${#wins[@]}
	mkfifo "$tmp/$slot.results"
	while [ "$i" -lt "$n" ]; do
		first=$i
		printf '%s\n' "${wins[@]:i}" >"$tmp/$slot.windows"
		: >"$log"
		: >"$tmp/$slot.status"
		exec {stream_logfd}<"$log"
		stream_partial=""
		# a process group of its own: an interrupt stops all of it
		set -m
		stream_job "$slot" >"$tmp/$slot.results" </dev/null &
		spid=$!
		set +m
		[ "$stream_mode" = worker ] || worker=$spid worker_kind=group
		stream_pid=$spid
		exec {res}<"$tmp/$slot.results"
		while IFS= read -r -u "$res" line; do
			stream_result "$line" >"$tmp/$slot.result"
			read -r line <"$tmp/$slot.result" || true
			[ "$stream_mode" = coord ] || stream_to=${wins[i]%%$'\t'*}
			if [ "$quiet" -eq 0 ] || [[ $line != done* ]]; then
				show_stream_log
			fi
			stream_to=""
			stream_emit "$line"
			i=$((i + 1))
			if [ "$halt" -eq 1 ] && [[ $line != done* ]]; then
				kill -TERM -- "-$spid" 2>/dev/null || true
				exec {res}<&-
				wait "$spid" 2>/dev/null || true
				exec {stream_logfd}<&-
				return 1
			fi
		done
		exec {res}<&-
		wait "$spid" 2>/dev/null || true
		[ "$stream_mode" = worker ] || worker=""
		stream_pid=""
		{ IFS=' ' read -r -a snames; IFS=' ' read -r -a sstatus; read -r rec_status; } <"$tmp/$slot.status" || true
		if [ "$i" -ge "$n" ]; then
			# every window recorded: a stage that says it rejected rows is
			# heard even when no window's statistics named them
			[[ " ${sstatus[*]} " != *" 1 "* ]] || stream_rejected=1
			[ "$quiet" -eq 1 ] || show_stream_log
			exec {stream_logfd}<&-
			break
		fi
		# the stream stopped before window i: which stage, and what it said
		stage="" code=3
		for k in "${!sstatus[@]}"; do
			if [ "${sstatus[k]}" -ge 2 ] && [ "${sstatus[k]}" -ne 141 ] && [ "${sstatus[k]}" -ne 4 ]; then
				stage=${snames[k]} code=${sstatus[k]}
				break
			fi
		done
		if [ "${rec_status:-0}" -ne 0 ] && [ "${rec_status:-0}" -ne 4 ]; then
			# the checkpoint could not record a window: no use going on
			show_stream_log
			exec {stream_logfd}<&-
			printf '%s: cannot record batches in job '\''%s'\'' (pgs-checkpoint exited %s)\n' \
				"$prog" "$job" "$rec_status" >&2
			return 3
		fi
		msg="the stages stopped before its window was written"
		if [ -n "$stage" ]; then
			stage_message "$stage" "$code" "$log"
			msg=$REPLY
		fi
		IFS=$'\t' read -r from to <<<"${wins[i]}"
		if [ "$i" -gt "$first" ]; then
			# not the stream's first window: try it again at the head of a stream
			exec {stream_logfd}<&-
			[ "$quiet" -eq 1 ] || printf '%s: batch %s..%s: %s; running it again on its own\n' \
				"$prog" "$from" "$to" "$msg" >&2
			continue
		fi
		# the window failed at the head of its stream: it is the cause
		[ "$stream_mode" = coord ] || stream_to=$from
		show_stream_log
		stream_to=""
		exec {stream_logfd}<&-
		status=failed counts=(0 0 0 0 0)
		batch_record "$from" "$to" || return 3
		batch_result "$from" "$to" >"$tmp/$slot.result"
		read -r line <"$tmp/$slot.result" || true
		stream_emit "$line"
		i=$((i + 1))
		[ "$halt" -eq 0 ] || return 1
	done
	return 0
}

# run_stream PLAN: --jobs 1: every batch of PLAN in window streams run by
# the coordinator itself, accounted for as each is recorded.
run_stream() {
	local st=0
	stream_mode=coord stream_rejected=0
	# (account has no log of a batch to show: the stream's is shown as it comes)
	logs_shown=1
	stream_run "$1" stream || st=$?
	logs_shown=0
	[ "$stream_rejected" -eq 0 ] || run_rejected=$((run_rejected + 1))
	case $st in
	1) halted=1 ;;
	3) run_lost=$((run_lost + 1)) ;;
	esac
}

# stream_worker CHUNK: --jobs N: a worker of GNU parallel over the batches
# of $tmp/CHUNK.plan, printing their result lines; 1 when a batch did not
# succeed with --halt-on-error (GNU parallel's --halt counts it), 3 when the
# checkpoint could not record.
# shellcheck disable=SC2317 # called through GNU parallel
stream_worker() {
	local st=0
	stream_mode=worker stream_rejected=0 stream_to="" stream_pid=""
	trap '[ -z "$stream_pid" ] || kill -TERM -- "-$stream_pid" 2>/dev/null; exit 143' TERM
	trap '[ -z "$stream_pid" ] || kill -TERM -- "-$stream_pid" 2>/dev/null; exit 130' INT
	stream_run "$tmp/$1.plan" "$1" || st=$?
	# a stage's "rows were rejected" that no window's statistics named
	[ "$stream_rejected" -eq 0 ] || printf 'rejected\n'
	exit "$st"
}

# run_stream_parallel PLAN: --jobs N over window streams: PLAN cut into
# contiguous chunks, four a job (so that a chunk of busy days does not
# keep one worker going long after the others), GNU parallel running N
# workers at a time; returns GNU parallel's status.
run_stream_parallel() {
	local plan=$1 results line n per k=0 c=0 st=0
	local -a halt_opt=()
	[ "$halt" -eq 0 ] || halt_opt=(--halt "soon,fail=1")
	n=$(wc -l <"$plan")
	per=$(((n + 4 * jobs - 1) / (4 * jobs)))
	: >"$tmp/chunks"
	while IFS= read -r line; do
		if [ $((k % per)) -eq 0 ]; then
			c=$((c + 1))
			printf 's%d\n' "$c" >>"$tmp/chunks"
			: >"$tmp/s$c.plan"
		fi
		printf '%s\n' "$line" >>"$tmp/s$c.plan"
		k=$((k + 1))
	done <"$plan"
	export -f stream_worker stream_run stream_job stream_result stream_emit show_stream_log stream_stages \
		batch_record batch_result day_number parse_stats die stage_message
	export prog tmp job dry_run verbose quiet halt
	exec {results}< <(PARALLEL_SHELL=bash exec parallel --will-cite -j "$jobs" --line-buffer \
		--termseq TERM,500,TERM,500,KILL,25 "${halt_opt[@]}" 'set -euo pipefail; stream_worker {}' :::: "$tmp/chunks")
	worker=$! worker_kind=parallel
	while IFS= read -r -u "$results" line; do
		if [ "$line" = rejected ]; then
			run_rejected=$((run_rejected + 1))
		else
			account "$line"
		fi
	done
	exec {results}<&-
	wait "$worker" || st=$?
	worker=""
	return "$st"
}

summary() {
	local b wall dry=""
	[ "$quiet" -eq 0 ] || return 0
	[ "$dry_run" -eq 0 ] || dry=" (dry run: nothing committed)"
	now_us
	wall=$(((REPLY - run_t0) / 100000)) # tenths of a second
	[ ! -t 2 ] || printf '\n' >&2
	{
		printf '%s: summary of job %s%s\n' "$prog" "$job" "$dry"
		printf '  batches    %d of %d run, %d failed, %d refused\n' "$run_batches_n" "$batches_total" \
			"${#run_failed[@]}" "${#run_refused[@]}"
		printf '  days       %d\n' "$run_days"
		[ "$stale_windows" -eq 0 ] || printf '  stale      %d ledger windows redone\n' "$stale_windows"
		printf '  rows       %d in: %d inserted, %d updated, %d unchanged, %d deleted\n' \
			"$run_rows" "$run_ins" "$run_upd" "$run_unch" "$run_del"
		[ "${#run_failed[@]}" -gt 0 ] || printf '  failed     none\n'
		for b in "${run_failed[@]}"; do
			printf '  failed     %s\n' "$b"
		done
		for b in "${run_refused[@]}"; do
			printf '  refused    %s\n' "$b"
		done
		printf '  wall time  %d.%d s\n' $((wall / 10)) $((wall % 10))
	} >&2
}

# The batches' FROM..TO of lines "FROM..TO  message", space-separated.
batch_names() {
	local b names=""
	for b; do
		names+=" ${b%%  *}"
	done
	printf '%s' "${names# }"
}

# group_alive PGID: a process of the group is still running (a zombie is dead,
# only waiting for its new parent to reap it).
group_alive() {
	local pgid stat
	while read -r pgid stat; do
		[ "$pgid" != "$1" ] || [[ $stat == Z* ]] || return 0
	done < <(ps -e -o pgid=,stat=)
	return 1
}

# Stop the work in flight (SIGINT, SIGTERM, SIGPIPE): every process of it,
# then the summary; exits 128 + the signal's number.
interrupted() {
	local sig=$1 n=$2 i
	# stderr may be the closed pipe: the last words may not arrive
	set +e
	trap '' INT TERM PIPE
	if [ -n "$worker" ]; then
		if [ "$worker_kind" = group ]; then
			kill -TERM -- "-$worker" 2>/dev/null || true
			for i in $(seq 100); do
				group_alive "$worker" || break
				[ "$i" -lt 50 ] || kill -KILL -- "-$worker" 2>/dev/null || true
				sleep 0.02
			done
		else
			# GNU parallel stops each job's process group (--termseq)
			kill -TERM "$worker" 2>/dev/null || true
		fi
		wait "$worker" 2>/dev/null || true
	fi
	summary
	printf '%s: interrupted by SIG%s: batches in flight were stopped, nothing half-written; re-run to resume\n' \
		"$prog" "$sig" >&2
	exit $((128 + n))
}

# run_remote PLAN: the batches of PLAN on the hosts of remote_opts, $jobs at
# a time on each (see remote_batch and remote_results); returns GNU
# parallel's status.  A host's jobs are process groups under GNU parallel's
# remote wrapper, which stops them with --termseq when their ssh connection
# goes (GNU parallel interrupted, or killed).  A job whose host was lost is
# tried again on another (--retries), except with --halt-on-error, which
# stops at it.
run_remote() {
	local plan=$1 results v st=0
	local -a env_opts=() env_set=() try_opts=(--retries 3)
	[ "$halt" -eq 0 ] || try_opts=(--halt "soon,fail=1")
	export -f remote_batch remote_check batch_run batch_result batch_stages day_number parse_stats die stage_message
	export prog dry_run verbose halt remote_path pgs_version
	# the remote wrapper runs the job with $SHELL: bash, found on the host's PATH
	# (NAME=VALUE in remote_env: that value for the hosts, not the coordinator's)
	for v in remote_batch remote_check batch_run batch_result batch_stages day_number parse_stats die stage_message \
		prog dry_run verbose halt remote_path pgs_version PGS_RUN_ID PGS_RUN_STARTED SHELL "${remote_env[@]}"; do
		[[ $v != *=* ]] || env_set+=("$v")
		env_opts+=(--env "${v%%=*}")
	done
	exec {results}< <(exec env "${env_set[@]}" SHELL=bash PARALLEL_SHELL=bash parallel --will-cite -j "$jobs" --colsep '\t' \
		"${remote_opts[@]}" "${env_opts[@]}" "${try_opts[@]}" --joblog "$tmp/joblog" \
		--termseq TERM,500,TERM,500,KILL,25 'set -euo pipefail; remote_batch {1} {2}' :::: "$plan")
	worker=$! worker_kind=parallel
	remote_results "$results"
	exec {results}<&-
	wait "$worker" || st=$?
	worker=""
	remote_lost
	return "$st"
}

# run_batches PLAN: run every batch of PLAN (FROM<TAB>TO lines), $jobs at a
# time, each in its own process group; returns the run's exit status: 4 when
# a guard refused a batch, else 3 when one failed (or --halt-on-error stopped
# the run), else 1 when rows were rejected, else 0.
run_batches() {
	local plan=$1 from to line halted=0 workers_status=0 results a
	local -a halt_opt=()

	while IFS=$'\t' read -r from to; do
		day_number "$from"
		a=$REPLY
		day_number "$to"
		batches_total=$((batches_total + 1)) days_total=$((days_total + REPLY - a + 1))
	done <"$plan"
	[ "$verbose" -eq 0 ] || printf '%s: job %s: %d batches, %d days to do\n' "$prog" "$job" \
		"$batches_total" "$days_total" >&2

	if [ "$jobs" -eq 1 ] && [ "${#remote_opts[@]}" -eq 0 ] && [ "$stream" -eq 1 ]; then
		run_stream "$plan"
	elif [ "${#remote_opts[@]}" -eq 0 ] && [ "$stream" -eq 1 ]; then
		run_stream_parallel "$plan" || workers_status=$?
		if [ "$halt" -eq 1 ] && [ "$workers_status" -ne 0 ]; then
			halted=1
		fi
	elif [ "$jobs" -eq 1 ] && [ "${#remote_opts[@]}" -eq 0 ]; then
		# One batch at a time: its files have one name, made once and
		# overwritten by each batch.  A new file costs ext4 an inode, and in
		# a directory where many were just deleted (/tmp, after a test
		# suite or the last run's clean-up) finding one took up to 0.8 ms.
		batch_slot=one
		while IFS=$'\t' read -r from to; do
			in_group batch_job "$from" "$to" >"$tmp/result"
			line=""
			read -r line <"$tmp/result" || true
			account "$line"
			case $line in
			done*) ;;
			*) [ "$halt" -eq 0 ] || { halted=1; break; } ;;
			esac
		done <"$plan"
	elif [ "${#remote_opts[@]}" -eq 0 ]; then
		[ "$halt" -eq 0 ] || halt_opt=(--halt "soon,fail=1")
		export -f batch_job batch_run batch_record batch_result batch_stages day_number parse_stats die stage_message
		export prog tmp job dry_run verbose
		# GNU parallel runs each job in its own process group and stops
		# them with --termseq when it is interrupted.
		exec {results}< <(PARALLEL_SHELL=bash exec parallel --will-cite -j "$jobs" --colsep '\t' \
			--termseq TERM,500,TERM,500,KILL,25 "${halt_opt[@]}" 'set -euo pipefail; batch_job {1} {2}' :::: "$plan")
		worker=$! worker_kind=parallel
		while IFS= read -r -u "$results" line; do
			account "$line"
		done
		exec {results}<&-
		wait "$worker" || workers_status=$?
		worker=""
		if [ "$halt" -eq 1 ] && [ "$workers_status" -ne 0 ]; then
			halted=1
		fi
	else
		run_remote "$plan" || workers_status=$?
		if [ "$halt" -eq 1 ] && [ "$workers_status" -ne 0 ]; then
			halted=1
		fi
	fi
	summary

	[ "${#run_failed[@]}" -eq 0 ] ||
		printf '%s: failed batches: %s (re-run to retry them)\n' "$prog" "$(batch_names "${run_failed[@]}")" >&2
	[ "${#run_refused[@]}" -eq 0 ] ||
		printf '%s: refused batches: %s (nothing written; see the summary)\n' "$prog" \
			"$(batch_names "${run_refused[@]}")" >&2
	[ "$halted" -eq 0 ] || printf '%s: stopped at the first batch that did not succeed (--halt-on-error)\n' "$prog" >&2
	if [ "$run_lost" -gt 0 ] || { [ "$halted" -eq 0 ] && [ "$run_batches_n" -lt "$batches_total" ]; }; then
		printf '%s: %d batches gave no result (re-run to retry them)\n' "$prog" \
			$((batches_total - run_batches_n)) >&2
		[ "${#run_refused[@]}" -gt 0 ] || return 3
	fi
	[ "${#run_refused[@]}" -eq 0 ] || return 4
	[ "${#run_failed[@]}" -eq 0 ] && [ "$halted" -eq 0 ] || return 3
	[ "$run_rejected" -eq 0 ] || return 1
	return 0
}
