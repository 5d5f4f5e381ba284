# shellcheck shell=bash
# Loopback sshd "hosts" for the multi-host tests: Debian's openssh-server
# started by the test with a host key and an authorized key made for it,
# stopped afterwards.  Works as root (PermitRootLogin prohibit-password) and
# as any other user (then sshd can only log that user in, which is all the
# tests need).
#
#   ssh_skip_reason         why sshd cannot run here, or nothing
#   ssh_init DIR            keys, known_hosts and an ssh config in DIR; sets
#                           SSH_DIR and SSH_CONFIG (ssh -F "$SSH_CONFIG" HOST)
#   ssh_host NAME ADDR [KEY=VALUE...]
#                           start an sshd for the Host alias NAME on ADDR
#                           (127.0.0.1, 127.0.0.2, ...) and a free port; each
#                           KEY=VALUE is set in its sessions' environment
#                           (sshd's SetEnv: the "remote's own environment")
#   ssh_login NAME          the sshlogin of NAME for GNU parallel
#                           ("ssh -F CONFIG NAME")
#   ssh_kill NAME           kill NAME's sshd and every process of its
#                           sessions (the host is lost)
#   ssh_restart NAME        start a killed host again (same address and port)
#   ssh_pids NAME           the pids of NAME's sshd and its sessions' processes
#   ssh_stop                stop every sshd started, remove nothing else
#
# Call ssh_init and ssh_host from setup_file, ssh_stop from teardown_file.

SSHD=${SSHD:-/usr/sbin/sshd}

ssh_skip_reason() {
	[ -x "$SSHD" ] || { echo "openssh-server not installed ($SSHD; scripts/setup-debian installs it)"; return; }
	command -v ssh >/dev/null || { echo "openssh-client not installed"; return; }
	command -v ssh-keygen >/dev/null || echo "ssh-keygen not installed"
}

ssh_free_port() {
	python3 -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

ssh_init() {
	SSH_DIR=$1
	SSH_CONFIG=$SSH_DIR/ssh_config
	mkdir -p "$SSH_DIR"
	chmod 700 "$SSH_DIR"
	ssh-keygen -q -t ed25519 -N '' -C pgs-test-host -f "$SSH_DIR/host_key" </dev/null
	ssh-keygen -q -t ed25519 -N '' -C pgs-test-user -f "$SSH_DIR/id_ed25519" </dev/null
	cp "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/authorized_keys"
	: >"$SSH_DIR/known_hosts"
	: >"$SSH_CONFIG"
	# root needs sshd's privilege separation directory
	[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
	export SSH_DIR SSH_CONFIG
}

ssh_host() {
	local name=$1 addr=$2 port conf kv
	shift 2
	port=$(ssh_free_port "$addr")
	conf=$SSH_DIR/sshd-$name.conf
	{
		printf 'Port %s\nListenAddress %s\n' "$port" "$addr"
		printf 'HostKey %s\nPidFile %s\nAuthorizedKeysFile %s\n' "$SSH_DIR/host_key" \
			"$SSH_DIR/sshd-$name.pid" "$SSH_DIR/authorized_keys"
		printf '%s\n' 'PermitRootLogin prohibit-password' 'PasswordAuthentication no' \
			'KbdInteractiveAuthentication no' 'UsePAM no' 'StrictModes no' 'PrintMotd no' \
			'AcceptEnv no' 'PermitUserEnvironment no' 'X11Forwarding no' 'AllowTcpForwarding no' \
			'MaxStartups 100:30:200' 'MaxSessions 100' 'LogLevel ERROR'
		# the tests use every session at once; no DNS lookups on loopback
		printf 'UseDNS no\n'
		# One SetEnv line (sshd keeps the first of several).  SHLVL=1 keeps
		# bash from reading ~/.bashrc, which it does for a first-level shell
		# started by sshd: the hosts must not depend on the dotfiles of
		# whoever runs the tests, nor hang in them (a pyenv rehash waiting
		# on the lock a killed session left).
		printf 'SetEnv SHLVL=1'
		for kv; do
			printf ' "%s"' "$kv"
		done
		printf '\n'
	} >"$conf"
	"$SSHD" -t -f "$conf" || return 1
	ssh_daemon "$name"
	printf '[%s]:%s %s\n' "$addr" "$port" "$(cut -d' ' -f1,2 "$SSH_DIR/host_key.pub")" >>"$SSH_DIR/known_hosts"
	{
		printf 'Host %s\n  HostName %s\n  Port %s\n' "$name" "$addr" "$port"
		printf '  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n' "$(id -un)" "$SSH_DIR/id_ed25519"
		printf '  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n' "$SSH_DIR/known_hosts"
		printf '  BatchMode yes\n  LogLevel ERROR\n  ConnectTimeout 5\n  ServerAliveInterval 1\n  ServerAliveCountMax 3\n'
	} >>"$SSH_CONFIG"
	ssh_wait "$name"
}

# ssh_daemon NAME: start NAME's sshd from its config file.
ssh_daemon() {
	"$SSHD" -D -e -f "$SSH_DIR/sshd-$1.conf" 2>>"$SSH_DIR/sshd-$1.log" &
	echo $! >"$SSH_DIR/sshd-$1.daemon"
	# (no "Killed" from this shell when ssh_kill ends it)
	disown
}

# ssh_wait NAME: until NAME takes logins (at most 5 s).
ssh_wait() {
	for _ in $(seq 100); do
		ssh -F "$SSH_CONFIG" "$1" true </dev/null 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$SSH_DIR/sshd-$1.log" >&2
	return 1
}

# ssh_restart NAME: start a lost host again, on the same address and port.
ssh_restart() {
	ssh_daemon "$1"
	ssh_wait "$1"
}

ssh_login() {
	printf 'ssh -F %s %s\n' "$SSH_CONFIG" "$1"
}

# ssh_pids NAME: NAME's sshd and every process below it, from one
# snapshot of the process table.
ssh_pids() {
	local daemon
	daemon=$(cat "$SSH_DIR/sshd-$1.daemon" 2>/dev/null) || return 0
	kill -0 "$daemon" 2>/dev/null || return 0
	ps -e -o pid=,ppid= | awk -v root="$daemon" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				for (q = p; q != "" && q != 0 && q != root; q = parent[q])
					;
				if (q == root)
					print p
			}
		}'
}

ssh_kill() {
	local -a pids
	# stop them first, so that none forks or reaps while the list is taken
	mapfile -t pids < <(ssh_pids "$1")
	[ "${#pids[@]}" -eq 0 ] || kill -STOP "${pids[@]}" 2>/dev/null || true
	mapfile -t pids < <(ssh_pids "$1")
	[ "${#pids[@]}" -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
	rm -f "$SSH_DIR/sshd-$1.daemon"
}

ssh_stop() {
	local f
	[ -n "${SSH_DIR:-}" ] || return 0
	# (each name once: ssh_kill removes its .daemon file)
	for f in "$SSH_DIR"/sshd-*.daemon; do
		[ -e "$f" ] || continue
		f=${f##*/sshd-}
		ssh_kill "${f%.daemon}"
	done
}
