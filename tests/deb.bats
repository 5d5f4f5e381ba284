#!/usr/bin/env bats
# make deb: the Debian package (pkg/debian/, scripts/deb).  It is built once
# for the file, outside the tree, from the programs already built; what it
# holds is checked, lintian must find no error, the demo runs from the
# package unpacked with dpkg -x, and systemd-analyze verify accepts the units.
# A missing tool skips its test, naming the package (scripts/setup-debian
# installs them all).

# awk programs and bash -c scripts are single-quoted on purpose:
# shellcheck disable=SC2016

load test_helper

setup_file() {
	# make would relink bin/ with the normal flags under a running ASan suite
	if grep -q '^build-san ' "$PGS_ROOT/bin/.flags" 2>/dev/null; then
		export DEB_SKIP="bin/ holds the ASan+UBSan build: the package is made of the normal one (make)"
		return 0
	fi
	command -v dpkg-deb >/dev/null || return 0
	command -v dpkg-shlibdeps >/dev/null || return 0
	export DEB_DIR="$BATS_FILE_TMPDIR/deb"
	# (-o all: package what is built; never rebuild bin/ under a running suite)
	make -C "$PGS_ROOT" -s -o all deb DEBDIR="$DEB_DIR" >&2
	DEB=$(echo "$DEB_DIR"/pgs_*.deb)
	export DEB
	# the package as it would lie on a machine, without running its scripts
	export UNPACKED="$BATS_FILE_TMPDIR/root"
	dpkg -x "$DEB" "$UNPACKED"
}

setup() {
	[ -z "${DEB_SKIP:-}" ] || skip "$DEB_SKIP"
	command -v dpkg-deb >/dev/null || skip "dpkg-deb not found (package dpkg)"
	command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps not found (package dpkg-dev)"
	[ -f "$DEB" ] || fail "make deb made no package in $DEB_DIR"
	common_setup
}

@test "make deb: every tool and pipeline, its page and completion, the units, the conffile, the docs" {
	run -0 dpkg-deb -c "$DEB"
	local list=$output p name
	for p in "$PGS_ROOT"/bin/pgs-* "$PGS_ROOT"/pipelines/pgs-*; do
		name=$(basename "$p")
		[[ $list == *" ./usr/bin/$name"$'\n'* ]] || fail "no /usr/bin/$name"
		[[ $list == *" ./usr/share/man/man1/$name.1.gz"$'\n'* ]] || fail "no $name.1.gz"
		[[ $list == *" ./usr/share/bash-completion/completions/$name -> pgs"* ]] || fail "no completion link $name"
	done
	for p in usr/share/man/man7/pgs.7.gz usr/share/bash-completion/completions/pgs \
		usr/share/pgs/pipeline.bash usr/share/pgs/aliases.csv etc/pgs/daily.conf \
		lib/systemd/system/pgs-daily.service lib/systemd/system/pgs-daily.timer \
		usr/lib/sysusers.d/pgs.conf usr/lib/tmpfiles.d/pgs.conf \
		usr/share/doc/pgs/copyright usr/share/doc/pgs/changelog.Debian.gz usr/share/doc/pgs/MANUAL.md.gz; do
		[[ $list == *" ./$p"$'\n'* ]] || fail "no /$p"
	done
	# the test programs stay out, and every file is root's
	[[ $list != *pgs-http-get* ]]
	[[ $list != *pgs-store-dump* ]]
	run -0 bash -c 'dpkg-deb -c "$1" | awk "\$2 != \"root/root\""' _ "$DEB"
	assert_output ""

	run -0 dpkg-deb -f "$DEB" Package Version Architecture
	assert_line "Package: pgs"
	assert_line --regexp "^Version: $(pgs-write --version | cut -d' ' -f2)-1$"
	assert_line "Architecture: $(dpkg --print-architecture)"
	# Depends: what the programs link (dpkg-shlibdeps), and libcrypto, which they load
	run -0 dpkg-deb -f "$DEB" Depends
	for p in libc6 libjansson4 libsqlite3-0 libutf8proc2 zlib1g libssl3 systemd-sysusers; do
		[[ $output == *"$p"* ]] || fail "Depends lacks $p: $output"
	done
	run -0 dpkg-deb -I "$DEB" conffiles
	assert_output "/etc/pgs/daily.conf"
	run -0 dpkg-deb -I "$DEB" md5sums
	assert_line --regexp '^[0-9a-f]{32}  usr/bin/pgs-write$'

	# the pages are readable where they were unpacked; the programs stripped
	if command -v man >/dev/null; then
		run -0 --separate-stderr env MANWIDTH=120 man -M "$UNPACKED/usr/share/man" pgs-daily
		assert_line --index 0 --regexp '^PGS-DAILY\(1\) '
	fi
	run -0 readelf -S --wide "$UNPACKED/usr/bin/pgs-write"
	assert_output --partial " .text "
	refute_output --partial " .symtab "
	refute_output --partial " .debug_info "
}

@test "lintian finds no error in the package (warnings are printed)" {
	command -v lintian >/dev/null || skip "lintian not found (package lintian)"
	run --separate-stderr lintian --fail-on error "$DEB"
	# each tag once, with its count (the pages' groff warnings come by the dozen)
	printf '%s\n' "$output" | awk '/^[A-Z]: / { print $1, $3 }' | sort | uniq -c |
		sed 's/^ */# lintian: /' >&3
	[[ $'\n'$output != *$'\n'"E: "* ]] || fail "lintian: $(printf '%s\n' "$output" | grep '^E:')"
	assert_success
}

@test "dpkg -x: the demo runs from the unpacked package alone (sample, ingest, backfill on SQLite)" {
	command -v sqlite3 >/dev/null || skip "sqlite3 not found (package sqlite3)"
	# the unpacked /usr/bin and the system's, not the build tree
	export PATH="$UNPACKED/usr/bin:/usr/bin:/bin"
	run -0 command -v pgs-backfill
	assert_output "$UNPACKED/usr/bin/pgs-backfill"
	export PGS_STORE=sqlite:pgs.db
	run -0 --separate-stderr pgs-sample --seed 1 --scale 1 -o sample/
	run -0 --separate-stderr pgs-ingest -q --store "$PGS_STORE" sample/*
	run -0 --separate-stderr pgs-backfill -q --store "$PGS_STORE" --from 2021-10-01 --to 2024-05-01 --restart
	run -0 sqlite3 pgs.db 'SELECT count(*) > 90000, count(DISTINCT season_year) FROM player_game_summary'
	assert_output "1|3"
	run -0 sqlite3 pgs.db 'SELECT count(*) FROM player_game_summary WHERE minutes_played IS NULL AND is_active'
	assert_output 0

	# the shipped daily.conf runs as written (its store, state and log moved here)
	run -0 --separate-stderr pgs-daily -v --config "$UNPACKED/etc/pgs/daily.conf" --store "$PGS_STORE" \
		--state-dir state --log daily.log --date 2022-01-15
	assert_output --regexp '^pgs-daily: 2022-01-15: .*rebuilt 3 days.*validation passed'
	assert_equal "$stderr" ""
}

@test "the example daily.conf is pgs-daily's syntax, its store in /var/lib/pgs" {
	run -0 --separate-stderr "$UNPACKED/usr/bin/pgs-daily-plan" settings \
		--config "$UNPACKED/etc/pgs/daily.conf" --state-dir state --log daily.log --date 2024-01-15
	assert_line --regexp $'^store\tsqlite:/var/lib/pgs/pgs.db$'
	# a bad line in it would be a usage error: the check can fail
	printf 'store = sqlite:x.db\nno-such-option = 1\n' >bad.conf
	run -2 --separate-stderr "$UNPACKED/usr/bin/pgs-daily-plan" settings --config bad.conf \
		--state-dir state --log daily.log --date 2024-01-15
}

@test "systemd-analyze verify accepts pgs-daily.service and pgs-daily.timer" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not found (package systemd)"
	[ -f /lib/systemd/system/sysinit.target ] || skip "systemd's units not found (package systemd)"
	# verify --root: the units as installed, ExecStart= checked in the package's tree;
	# systemd's own units beside them, for the targets they name
	local vr=$BATS_TEST_TMPDIR/verify u=lib/systemd/system
	cp -a "$UNPACKED" "$vr"
	cp -a --no-clobber /lib/systemd/system/. "$vr/$u/"
	# Documentation=man:pgs-daily(1) is looked up in the package's pages
	run --separate-stderr env MANPATH="$vr/usr/share/man" \
		systemd-analyze verify --root="$vr" "$vr/$u/pgs-daily.service" "$vr/$u/pgs-daily.timer"
	assert_equal "$stderr" ""
	assert_success
	# it can fail: without the program the service names
	rm "$vr/usr/bin/pgs-daily"
	run -1 --separate-stderr systemd-analyze verify --man=no --root="$vr" "$vr/$u/pgs-daily.service"
	[[ $stderr == *"/usr/bin/pgs-daily is not executable"* ]]

	run -0 grep -x -e 'Type=oneshot' -e 'User=pgs' -e 'StateDirectory=pgs' -e 'NoNewPrivileges=yes' \
		-e 'ProtectSystem=strict' -e 'ExecStart=/usr/bin/pgs-daily --config /etc/pgs/daily.conf' \
		"$UNPACKED/$u/pgs-daily.service"
	assert_equal "${#lines[@]}" 6
	run -0 grep -x -e 'Persistent=true' -e 'OnCalendar=.*' -e 'WantedBy=timers.target' "$UNPACKED/$u/pgs-daily.timer"
	assert_equal "${#lines[@]}" 3
}

@test "sysusers.d and tmpfiles.d make the user pgs and its directories (what postinst runs)" {
	command -v systemd-sysusers >/dev/null || skip "systemd-sysusers not found (package systemd)"
	command -v systemd-tmpfiles >/dev/null || skip "systemd-tmpfiles not found (package systemd)"
	local r=$BATS_TEST_TMPDIR/sys
	mkdir -p "$r/etc"
	cp -a "$UNPACKED/usr" "$r/"
	run -0 --separate-stderr systemd-sysusers --root="$r" pgs.conf
	run -0 awk -F: '$1 == "pgs" { print $6, $7 }' "$r/etc/passwd"
	assert_output --regexp '^/var/lib/pgs /(usr/)?s?bin/nologin$'
	run -0 grep -c '^pgs:' "$r/etc/group"
	assert_output 1
	run -0 --separate-stderr systemd-tmpfiles --root="$r" --create pgs.conf
	uid=$(awk -F: '$1 == "pgs" { print $3 }' "$r/etc/passwd")
	run -0 stat -c '%u %a' "$r/var/lib/pgs" "$r/var/log/pgs"
	assert_line --index 0 "$uid 750"
	assert_line --index 1 "$uid 750"
	# the maintainer scripts are sh, executable
	run -0 dpkg-deb -I "$DEB"
	assert_output --regexp 'postinst +#!/bin/sh'
	assert_output --regexp 'postrm +#!/bin/sh'
}

@test "postinst configure makes the user and directories with systemd-sysusers and systemd-tmpfiles" {
	# the real commands would change this machine: shims that record their arguments
	mkdir -p shim
	for c in systemd-sysusers systemd-tmpfiles systemctl; do
		printf '#!/bin/sh\necho "%s $*" >>%q\n' "$c" "$BATS_TEST_TMPDIR/calls" >"shim/$c"
		chmod +x "shim/$c"
	done
	dpkg-deb -e "$DEB" control
	PATH="$BATS_TEST_TMPDIR/shim:/usr/bin:/bin" run -0 --separate-stderr sh -e control/postinst configure
	run -0 cat calls
	assert_line --index 0 "systemd-sysusers pgs.conf"
	assert_line --index 1 "systemd-tmpfiles --create pgs.conf"
	# an upgrade's abort does not make the user again
	rm calls
	PATH="$BATS_TEST_TMPDIR/shim:/usr/bin:/bin" run -0 --separate-stderr sh -e control/postinst abort-upgrade 0.1.0-1
	[ ! -e calls ] || [ "$(grep -c sysusers calls)" -eq 0 ]
}
