#!/usr/bin/env bats
# Storage that fails: a disk that fills up during a commit (a small tmpfs
# when the test may mount one, and everywhere the LD_PRELOAD shim
# bin-test/faultfs.so, which fails write/pwrite/fsync after N bytes), a
# read-only database file, a read-only directory, a file that is not a
# database, a state directory that cannot be written.  Each must exit 3 with
# a clear message and leave the old rows (PRAGMA integrity_check is ok, the
# table and ledger as before) and the old state file (or the new one, never
# half of one).  Reading a store you may not write works, or says why not.

# Each @test runs in a subshell of its own, and shim bodies are single-quoted on purpose:
# shellcheck disable=SC2030,SC2031,SC2154,SC2016

load test_helper
load pipeline_helper

FAULTFS="$PGS_ROOT/bin-test/faultfs.so"
DUMP="$PGS_ROOT/bin-test/pgs-store-dump"
WINDOW=(--from 2021-11-01 --to 2021-11-07)

setup_file() {
	# One store with two weeks of a sample league in its table (base.db), and
	# the next week's summary rows, ready for pgs-write (next.ndjson).
	local d=$BATS_FILE_TMPDIR
	export PATH="$BATS_TEST_DIRNAME/../bin:$BATS_TEST_DIRNAME/../pipelines:$PATH" LC_ALL=C
	export PGS_STATE_DIR="$d/state" PGS_STORE="sqlite:$d/base.db" SOURCE_DATE_EPOCH=1700000000
	pgs-sample --seed 7 --scale 0.1 --to 2021-11-07 -o "$d/sample" >/dev/null
	pgs-ingest -q --from 2021-10-18 --to 2021-11-07 "$d/sample"/* >/dev/null
	pgs-backfill -q --from 2021-10-18 --to 2021-10-31
	pgs-extract --source "$PGS_STORE" --from 2021-11-01 --to 2021-11-07 | pgs-resolve |
		pgs-transform >"$d/next.ndjson"
	# pgs leaves its WAL for the next connection; the copies need it folded in
	sqlite3 "$d/base.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	[ ! -e "$d/base.db-wal" ]
}

setup() {
	common_setup
	DB=$BATS_TEST_TMPDIR/pgs.db
	cp "$BATS_FILE_TMPDIR/base.db" "$DB"
	export PGS_STORE="sqlite:$DB"
	NEXT=$BATS_FILE_TMPDIR/next.ndjson
	MNT=""
	PUB=""
}

teardown() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT"
	fi
	if [ -n "$PUB" ]; then
		chmod -R u+w "$PUB"
		rm -rf "$PUB"
	fi
}

# snapshot DB NAME: the table and the ledger of DB, into NAME.table, NAME.ledger.
snapshot() {
	"$DUMP" "sqlite:$1" player_game_summary >"$2.table"
	"$DUMP" "sqlite:$1" pgs_windows >"$2.ledger"
}

# intact DB: the database is whole and holds what it held before (before.*).
intact() {
	run sqlite3 "$1" 'PRAGMA integrity_check'
	assert_output ok
	snapshot "$1" now
	cmp before.table now.table
	cmp before.ledger now.ledger
}

# faulty VAR=VALUE... -- CMD...: CMD with the fault shim preloaded.  (The
# shim is not sanitized: a SANITIZE=1 build must not insist on coming first.)
faulty() {
	local -a vars=()
	while [ "$1" != -- ]; do
		vars+=("$1")
		shift
	done
	shift
	env LD_PRELOAD="$FAULTFS" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"${vars[@]}" "$@"
}

# as_user CMD...: CMD as a user file modes apply to (root ignores them).
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# public: a directory that as_user may enter, in PUB (removed by teardown).
public() {
	PUB=$(mktemp -d "${TMPDIR:-/tmp}/pgs-faults.XXXXXX")
	chmod 755 "$PUB"
}

# small_fs SIZE: a tmpfs of SIZE at MNT, or skip when this test may not mount one.
small_fs() {
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root (the faultfs tests cover disk full without it)"
	mount -t tmpfs -o "size=$1,mode=755" tmpfs "$MNT" 2>/dev/null ||
		skip "cannot mount a tmpfs here (the faultfs tests cover disk full without it)"
}

# fill DIR KB: fill the file system of DIR until KB kilobytes are left.
fill() {
	local avail
	rm -f "$1/filler"
	avail=$(df -k --output=avail "$1" | tail -n 1)
	[ "$avail" -gt "$2" ] || return 0
	dd if=/dev/zero of="$1/filler" bs=1k count=$((avail - $2)) status=none 2>/dev/null || true
}

@test "storage: the fault shim is built and fails a write once its budget is spent" {
	[ -f "$FAULTFS" ]
	run -1 --separate-stderr faulty PGS_FAULTFS_PATH="$BATS_TEST_TMPDIR/f" PGS_FAULTFS_ENOSPC_AFTER=5 -- \
		dd if=/dev/zero of="$BATS_TEST_TMPDIR/f" bs=10 count=1 status=none
	[[ $stderr == *"faultfs: no space left (PGS_FAULTFS_ENOSPC_AFTER) writing '$BATS_TEST_TMPDIR/f'"* ]]
	[[ $stderr == *"No space left on device"* ]]
	[ "$(stat -c %s f)" -eq 5 ]
	# other files are not touched
	run --separate-stderr faulty PGS_FAULTFS_PATH="$BATS_TEST_TMPDIR/f" PGS_FAULTFS_ENOSPC_AFTER=0 -- \
		dd if=/dev/zero of="$BATS_TEST_TMPDIR/g" bs=10 count=1 status=none
	assert_success
	[ "$(stat -c %s g)" -eq 10 ]
}

# --- disk full ----------------------------------------------------------------

# Whatever byte the disk fills at, a write either commits the whole window
# or exits 3 with SQLite's "disk is full" and leaves the store as it was.
@test "storage: disk full at any point of pgs-write (fault shim): the whole window or exit 3 and the old rows" {
	snapshot "$DB" before
	cp "$DB" clean.db
	pgs-write --store sqlite:clean.db "${WINDOW[@]}" "$NEXT" >/dev/null
	snapshot clean.db after
	failed=0 written=0
	for n in 0 512 4096 16384 65536 200000 300000 450000 1000000 10000000; do
		cp "$BATS_FILE_TMPDIR/base.db" "$DB"
		rm -f "$DB-wal" "$DB-shm"
		run --separate-stderr faulty PGS_FAULTFS_PATH="$DB" PGS_FAULTFS_ENOSPC_AFTER=$n -- \
			pgs-write "${WINDOW[@]}" "$NEXT"
		if [ "$status" -eq 0 ]; then
			written=$((written + 1))
			run sqlite3 "$DB" 'PRAGMA integrity_check'
			assert_output ok
			snapshot "$DB" now
			cmp after.table now.table
		else
			[ "$status" -eq 3 ] || fail "after $n bytes: exit $status: $stderr"
			failed=$((failed + 1))
			assert_output ""
			[[ $stderr == *"pgs-write: store 'sqlite:$DB': "*@(database or disk is full|No space left on device)* ]] ||
				fail "after $n bytes: $stderr"
			intact "$DB"
		fi
	done
	# the sweep saw both: the commit's writes failing, and enough room
	[ "$failed" -ge 3 ] && [ "$written" -ge 1 ]
}

@test "storage: disk full on a small file system during pgs-write: exit 3, the old rows, integrity ok" {
	small_fs 8m
	snapshot "$DB" before
	failed=0 written=0
	for kb in 0 64 256 400 2000; do
		rm -f "$MNT"/pgs.db*
		cp "$DB" "$MNT/pgs.db"
		fill "$MNT" "$kb"
		run --separate-stderr pgs-write --store "sqlite:$MNT/pgs.db" "${WINDOW[@]}" "$NEXT"
		rm -f "$MNT/filler"
		if [ "$status" -eq 0 ]; then
			written=$((written + 1))
			[ "$(sqlite3 "$MNT/pgs.db" 'SELECT count(*) FROM player_game_summary')" -gt "$(wc -l <before.table)" ]
		else
			[ "$status" -eq 3 ] || fail "$kb KiB free: exit $status: $stderr"
			failed=$((failed + 1))
			[[ $stderr == *"store 'sqlite:$MNT/pgs.db': "*@(database or disk is full|No space left on device)* ]] ||
				fail "$kb KiB free: $stderr"
			intact "$MNT/pgs.db"
		fi
	done
	[ "$failed" -ge 1 ] && [ "$written" -ge 1 ]
}

@test "storage: disk full or a failing fsync while pgs-checkpoint saves: exit 3, the old state byte for byte, no temporary file" {
	pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-24 --batch-days 1 >/dev/null
	cp "$PGS_STATE_DIR/j.json" before.json
	line='{"rows_in":5,"inserted":5,"updated":0,"unchanged":0,"deleted":0}'
	for fault in PGS_FAULTFS_ENOSPC_AFTER=0 PGS_FAULTFS_ENOSPC_AFTER=100 PGS_FAULTFS_FSYNC_EIO=1; do
		run -3 --separate-stderr faulty PGS_FAULTFS_PATH="$PGS_STATE_DIR" "$fault" -- \
			pgs-checkpoint "done" --job j --from 2021-10-18 --to 2021-10-18 <<<"$line"
		[[ $stderr == *"pgs-checkpoint: cannot write '$PGS_STATE_DIR/j.json.tmp."*"': "@(No space left on device|Input/output error)* ]] ||
			fail "$fault: $stderr"
		cmp before.json "$PGS_STATE_DIR/j.json"
		[ -z "$(find "$PGS_STATE_DIR" -name '*.tmp.*')" ]
	done
	# with room again, the same done is recorded
	pgs-checkpoint "done" --job j --from 2021-10-18 --to 2021-10-18 <<<"$line"
	run pgs-checkpoint status --job j --json
	[ "$(jq -c '[.days_done, .rows_in]' <<<"$output")" = "[1,5]" ]
}

@test "storage: the state dir fills up in the middle of a backfill: exit 3, named; the resume ends as a clean run" {
	cp "$BATS_FILE_TMPDIR/base.db" clean.db
	PGS_STORE=sqlite:clean.db PGS_STATE_DIR=clean-state pgs-backfill -q "${WINDOW[@]}" --batch-days 1
	# the recorder of the batches (pgs-run) finds the disk full after its
	# first save (a save is ~480 bytes)
	shim pgs-run "$(printf '%s\n' \
		"export LD_PRELOAD=$(printf %q "$FAULTFS") PGS_FAULTFS_PATH=$(printf %q "$PGS_STATE_DIR") PGS_FAULTFS_ENOSPC_AFTER=700" \
		'exec "$real" "$@"')"
	ASAN_OPTIONS=verify_asan_link_order=0 run -3 --separate-stderr pgs-backfill "${WINDOW[@]}" --batch-days 1
	[[ $stderr == *"pgs-backfill: cannot write '$PGS_STATE_DIR/backfill-2021-11-01-2021-11-07.json.tmp."*"': No space left on device"* ]]
	[[ $stderr == *"pgs-backfill: cannot mark batch 2021-11-02..2021-11-02 done in job 'backfill-2021-11-01-2021-11-07'"* ]]
	[[ $stderr == *"pgs-backfill: 6 batches gave no result (re-run to retry them)"* ]]
	rm "$BATS_TEST_TMPDIR/shim/pgs-run"
	jq -e . "$PGS_STATE_DIR/backfill-2021-11-01-2021-11-07.json" >/dev/null
	[ -z "$(find "$PGS_STATE_DIR" -name '*.tmp.*')" ]
	# room again: the resume finds the committed windows in the ledger
	run --separate-stderr pgs-backfill "${WINDOW[@]}" --batch-days 1
	assert_success
	[ "$("$DUMP" "$PGS_STORE" player_game_summary | jq -c 'del(.processed_at)')" = \
		"$("$DUMP" sqlite:clean.db player_game_summary | jq -c 'del(.processed_at)')" ]
	state() {
		PGS_STATE_DIR=$1 pgs-checkpoint status --job backfill-2021-11-01-2021-11-07 --json |
			jq -c '[.batches_done, .days_done, .rows_in]'
	}
	[ "$(state "$PGS_STATE_DIR")" = "$(state clean-state)" ]
}

# --- files pgs may not write ----------------------------------------------------------

@test "storage: a read-only database file: pgs-write exits 3 and says so, the file is untouched; readers read it" {
	public
	cp "$DB" "$PUB/pgs.db"
	chmod 444 "$PUB/pgs.db"
	chmod 777 "$PUB"
	cp "$PUB/pgs.db" before.db
	snapshot before.db before
	run -3 --separate-stderr as_user pgs-write --store "sqlite:$PUB/pgs.db" "${WINDOW[@]}" <"$NEXT"
	assert_output ""
	[[ $stderr == "pgs-write: store 'sqlite:$PUB/pgs.db': cannot write to it: '$PUB/pgs.db' is read-only (Permission denied)"* ]]
	cmp before.db "$PUB/pgs.db"
	intact "$PUB/pgs.db"
	run -3 --separate-stderr as_user pgs-resolve --registry "sqlite:$PUB/pgs.db" --register </dev/null
	[[ $stderr == *"is read-only (Permission denied)"* ]]
	# reading: the directory lets SQLite make the -shm a WAL reader needs
	run --separate-stderr as_user pgs-extract --source "sqlite:$PUB/pgs.db" --from 2021-10-20 --to 2021-10-20
	assert_success
	[ "${#lines[@]}" -gt 10 ]
	run --separate-stderr as_user pgs-validate --store "sqlite:$PUB/pgs.db" --from 2021-10-18 --to 2021-10-31
	[ "$status" -le 4 ]
	[ "$status" -ne 3 ]
	[ "$status" -ne 2 ]
	[ -n "$output" ]
	cmp before.db "$PUB/pgs.db"
}

@test "storage: a directory pgs may not write: a WAL store cannot be read without its -shm, and the message says so" {
	public
	cp "$DB" "$PUB/pgs.db"
	chmod 644 "$PUB/pgs.db"
	[ "$(od -An -tu1 -j18 -N2 "$PUB/pgs.db" | tr -s ' ')" = " 2 2" ] # WAL mode
	why="its directory '$PUB' is not writable (Permission denied), and SQLite must create $PUB/pgs.db-shm beside the database to read it in WAL mode; make the directory writable, or have its owner switch it to a rollback journal first (sqlite3 $PUB/pgs.db 'PRAGMA journal_mode=DELETE'; the next pgs write switches it back)"
	run -3 --separate-stderr as_user pgs-extract --source "sqlite:$PUB/pgs.db" --from 2021-10-20 --to 2021-10-20
	assert_output ""
	[[ $stderr == "pgs-extract: store 'sqlite:$PUB/pgs.db': cannot read it: $why (SQLite says: "* ]] || fail "$stderr"
	run -3 --separate-stderr as_user pgs-validate --store "sqlite:$PUB/pgs.db" --from 2021-10-18 --to 2021-10-31
	[[ $stderr == "pgs-validate: store 'sqlite:$PUB/pgs.db': cannot read it: $why"* ]]
	mkdir -m 777 "$PUB/state"
	PGS_STATE_DIR=$PUB/state run -3 --separate-stderr as_user pgs-checkpoint plan --job j \
		--from 2021-10-18 --to 2021-10-31 --store "sqlite:$PUB/pgs.db"
	[[ $stderr == *"cannot read it: $why"* ]]
	# writing needs the -wal and -shm there too, even with the file writable
	chown 65534 "$PUB/pgs.db" 2>/dev/null || true
	run -3 --separate-stderr as_user pgs-write --store "sqlite:$PUB/pgs.db" "${WINDOW[@]}" <"$NEXT"
	assert_equal "$stderr" "pgs-write: store 'sqlite:$PUB/pgs.db': cannot write to it: its directory '$PUB' is not writable (Permission denied), and SQLite must create $PUB/pgs.db-wal and -shm beside the database to write it (SQLite says: attempt to write a readonly database)"
	# with a -shm there (another process has the store open), it reads
	chmod 777 "$PUB"
	mkfifo hold
	as_user sqlite3 -cmd 'SELECT count(*) FROM pgs_windows' "$PUB/pgs.db" <hold >/dev/null &
	holder=$!
	exec {h}>hold
	for _ in $(seq 100); do
		[ ! -e "$PUB/pgs.db-shm" ] || break
		sleep 0.05
	done
	chmod 755 "$PUB"
	run --separate-stderr as_user pgs-extract --source "sqlite:$PUB/pgs.db" --from 2021-10-20 --to 2021-10-20
	exec {h}>&-
	wait "$holder"
	assert_success
	[ "${#lines[@]}" -gt 10 ]
	# out of WAL mode (by its owner), it is read with file locks alone
	sqlite3 "$PUB/pgs.db" 'PRAGMA journal_mode=DELETE' >/dev/null
	rm -f "$PUB/pgs.db-shm" "$PUB/pgs.db-wal"
	run --separate-stderr as_user pgs-extract --source "sqlite:$PUB/pgs.db" --from 2021-10-20 --to 2021-10-20
	assert_success
	[ "${#lines[@]}" -gt 10 ]
	run --separate-stderr as_user pgs-validate --store "sqlite:$PUB/pgs.db" --from 2021-10-18 --to 2021-10-31
	[ "$status" -ne 3 ]
	[ "$status" -ne 2 ]
	[ -z "$(ls "$PUB"/pgs.db-* 2>/dev/null)" ]
}

@test "storage: a read-only file system: pgs-write says the file is read-only; the WAL reader says why" {
	small_fs 8m
	cp "$DB" "$MNT/pgs.db"
	mount -o remount,ro "$MNT"
	run -3 --separate-stderr pgs-write --store "sqlite:$MNT/pgs.db" "${WINDOW[@]}" "$NEXT"
	[[ $stderr == "pgs-write: store 'sqlite:$MNT/pgs.db': cannot write to it: '$MNT/pgs.db' is read-only (Read-only file system)"* ]]
	run -3 --separate-stderr pgs-extract --source "sqlite:$MNT/pgs.db" --from 2021-10-20 --to 2021-10-20
	[[ $stderr == *"cannot read it: its directory '$MNT' is not writable (Read-only file system), and SQLite must create $MNT/pgs.db-shm"* ]]
	cmp "$DB" "$MNT/pgs.db"
}

@test "storage: a file that is not a database: every tool exits 3 naming it, and the file is left as it was" {
	for i in $(seq 200); do echo "line $i of a text file that is not a database"; done >notdb
	cp notdb before
	msg="store 'sqlite:notdb': 'notdb' is not an SQLite database (file is not a database)"
	run -3 --separate-stderr pgs-write --store sqlite:notdb "${WINDOW[@]}" "$NEXT"
	assert_equal "$stderr" "pgs-write: $msg"
	run -3 --separate-stderr pgs-extract --source sqlite:notdb --from 2021-10-20 --to 2021-10-20
	assert_equal "$stderr" "pgs-extract: $msg"
	run -3 --separate-stderr pgs-validate --store sqlite:notdb --from 2021-10-20 --to 2021-10-20
	[[ $stderr == "pgs-validate: $msg"* ]]
	run -3 --separate-stderr pgs-resolve --registry sqlite:notdb --register </dev/null
	[[ $stderr == "pgs-resolve: $msg"* ]]
	run -3 --separate-stderr pgs-checkpoint plan --job j --from 2021-10-20 --to 2021-10-20 --store sqlite:notdb
	assert_equal "$stderr" "pgs-checkpoint: $msg"
	run -3 --separate-stderr pgs-backfill --store sqlite:notdb "${WINDOW[@]}"
	[[ $stderr == *"$msg"* ]]
	cmp before notdb
	[ ! -e notdb-wal ]
	[ ! -e notdb-journal ]
	# a damaged one (cut short) says so too
	head -c 8192 "$DB" >cut.db
	run -3 --separate-stderr pgs-extract --source sqlite:cut.db --from 2021-10-20 --to 2021-10-20
	assert_equal "$stderr" "pgs-extract: store 'sqlite:cut.db': 'cut.db' is damaged (database disk image is malformed): restore it from a copy"
}

@test "storage: a state dir that cannot be written: pgs-checkpoint and pgs-backfill exit 3 with the reason, the table untouched" {
	snapshot "$DB" before
	: >afile
	PGS_STATE_DIR=$BATS_TEST_TMPDIR/afile/state run -3 --separate-stderr pgs-backfill "${WINDOW[@]}"
	[[ $stderr == *"pgs-backfill: cannot create state directory '$BATS_TEST_TMPDIR/afile/state': Not a directory"* ]]
	[[ $stderr == *"pgs-backfill: cannot plan job 'backfill-2021-11-01-2021-11-07'"* ]]
	intact "$DB"
	# a directory the user may not write in
	public
	cp "$DB" "$PUB/pgs.db"
	chmod 666 "$PUB/pgs.db"
	mkdir "$PUB/state"
	chmod 777 "$PUB"
	chmod 555 "$PUB/state"
	PGS_STATE_DIR=$PUB/state PGS_STORE=sqlite:$PUB/pgs.db run -3 --separate-stderr as_user pgs-backfill "${WINDOW[@]}"
	[[ $stderr == *"pgs-backfill: cannot open lock '$PUB/state/backfill-2021-11-01-2021-11-07.lock': Permission denied"* ]]
	[[ $stderr == *"cannot plan job"* ]]
	intact "$PUB/pgs.db"
	[ -z "$(ls -A "$PUB/state")" ]
}

@test "storage: tools opening a new store at the same moment wait for each other (the switch to WAL)" {
	# pgs-resolve --register | ... | pgs-write both create the store; the
	# switch to WAL takes an exclusive lock SQLite does not wait for itself
	local i failed=0
	for i in $(seq 24); do
		pgs-extract --source "sqlite:$BATS_FILE_TMPDIR/base.db" --from 2021-10-20 --to 2021-10-20 |
			pgs-resolve --register --registry "sqlite:new$i.db" >/dev/null 2>"resolve$i.err" &
		pgs-write --store "sqlite:new$i.db" --from 2021-11-01 --to 2021-11-07 "$NEXT" >/dev/null 2>"write$i.err" &
	done
	for i in $(seq 48); do
		wait -n || failed=$((failed + 1))
	done
	cat ./*.err >&2
	[ "$failed" -eq 0 ]
	[ -z "$(cat ./*.err)" ]
	for i in $(seq 24); do
		[ "$(sqlite3 "new$i.db" 'PRAGMA journal_mode')" = wal ]
	done
}

@test "storage: -wal and -shm left by another user's read: the owner's writer names the files, their owner and the fix (3), and works once they are gone" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to act as two users"
	id nobody >/dev/null 2>&1 && id daemon >/dev/null 2>&1 || skip "needs the users nobody and daemon"
	runuser -u nobody -- test -x "$PGS_ROOT/bin/pgs-write" || skip "other users cannot run the build in $PGS_ROOT"
	# a directory both may write, the store nobody's, with no -wal or -shm (as after sqlite3's close)
	PUB=$(mktemp -d /tmp/pgs-users.XXXXXX)
	chmod 777 "$PUB"
	cp "$DB" "$PUB/pgs.db"
	cp "$NEXT" "$PUB/next.ndjson"
	chown nobody "$PUB/pgs.db"
	chmod 644 "$PUB/pgs.db" "$PUB/next.ndjson"
	# daemon reads it: SQLite makes the WAL files, daemon's
	run -0 --separate-stderr runuser -u daemon -- "$PGS_ROOT/bin/pgs-extract" --source "sqlite:$PUB/pgs.db" "${WINDOW[@]}"
	[ "$(stat -c %U "$PUB/pgs.db-shm")" = daemon ]
	run -3 --separate-stderr runuser -u nobody -- "$PGS_ROOT/bin/pgs-write" --store "sqlite:$PUB/pgs.db" "${WINDOW[@]}" "$PUB/next.ndjson"
	[ -z "$output" ]
	assert_equal "$stderr" "pgs-write: store 'sqlite:$PUB/pgs.db': cannot write to it: '$PUB/pgs.db-shm' and '$PUB/pgs.db-wal' belong to user daemon, not nobody, who may not write them: a read of the store as user daemon made them when the store was not open; when no process has it open, delete them (rm '$PUB/pgs.db-shm' '$PUB/pgs.db-wal': the WAL is empty, nothing is lost) or give them to nobody (chown); readers of other users should share a group with the owner and a group-writable store"
	# the fix it names
	rm "$PUB/pgs.db-shm" "$PUB/pgs.db-wal"
	run -0 --separate-stderr runuser -u nobody -- "$PGS_ROOT/bin/pgs-write" --store "sqlite:$PUB/pgs.db" "${WINDOW[@]}" "$PUB/next.ndjson"
	[ "$(jq .rows_in <<<"$output")" -eq "$(($(wc -l <"$NEXT") - 1))" ]
}
