# A real PostgreSQL 15 for the tests, started on loopback and stopped after.
#
#   pg_start            initdb into a temp dir (as a non-root user when run as
#                       root), start on a free port; sets PG_PORT, PG_DIR,
#                       PG_URI (postgres://pgs:PASSWORD@127.0.0.1:PORT/pgs)
#                       and PG_PASSWORD; a role "pgs" with a password and a
#                       database "pgs" exist.
#   pg_stop             stop it and remove the directory.
#   pg_fresh NAME       print a store URI of a new, empty schema NAME.
#   pg_sql SQL          run SQL in database pgs (psql, unaligned, no headers).
#   pg_skip_reason      why a server cannot be started here, or nothing.
#
# Call pg_start from setup_file and pg_stop from teardown_file: one server a
# file, one schema a test.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_skip_reason() {
	[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL 15 server not installed ($PG_BIN/initdb)"; return; }
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "running as root and there is no 'postgres' user to run the server as"
	fi
}

# Run a server command as the server's user.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgs-pg.XXXXXX")
	PG_PORT=$(pg_free_port)
	PG_PASSWORD="pw-$RANDOM$RANDOM"
	chmod 755 "$PG_DIR"
	[ "$(id -u)" -ne 0 ] || chown postgres "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 \
		--locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	# loopback with a password (scram) for the pgs role; the socket stays trusted for set-up
	cat >"$PG_DIR/data/pg_hba.conf" <<-EOF
	local all all trust
	host all postgres 127.0.0.1/32 trust
	host all all 127.0.0.1/32 scram-sha-256
	EOF
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off -c max_connections=60" \
		start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
	for _ in 1 2 3 4 5; do
		pg_sql_as postgres postgres "SELECT 1" >/dev/null 2>&1 && break
		sleep 0.2
	done
	pg_sql_as postgres postgres "CREATE ROLE pgs LOGIN PASSWORD '$PG_PASSWORD'" >/dev/null
	pg_sql_as postgres postgres "CREATE DATABASE pgs OWNER pgs" >/dev/null
	PG_URI="postgres://pgs:$PG_PASSWORD@127.0.0.1:$PG_PORT/pgs"
	export PG_DIR PG_PORT PG_PASSWORD PG_URI
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$PG_DIR"
}

# pg_sql_as ROLE DB SQL
pg_sql_as() {
	psql -X -q -v ON_ERROR_STOP=1 -At -h "$PG_DIR" -p "$PG_PORT" -U "$1" -d "$2" -c "$3"
}

pg_sql() {
	pg_sql_as pgs pgs "$1"
}

# A new empty schema of database pgs, as a store URI.
pg_fresh() {
	pg_sql "DROP SCHEMA IF EXISTS \"$1\" CASCADE; CREATE SCHEMA \"$1\"" >/dev/null
	echo "$PG_URI?schema=$1"
}
