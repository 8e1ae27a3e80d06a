# Sourced by the local-mode train tests after common.sh: train_host NAME sets up a
# registry whose release account has no registry 2FA (a train's many publishes
# would otherwise each wait for a single-use registry step; stage_flow.sh,
# crash.sh and train_stage.sh cover those), a local-mode release host with the
# tokens stored and the approver enrolled. stage_pkg and stage_dep stage fixtures.
train_host() { # NAME: a word for the accounts' passwords
	registry_start "$E2E_DIR/registry" || fail "registry did not start"
	STAGER_TOKEN=$(registry_adduser stager "pw-stager-$1-1") || fail "adduser stager"
	RELEASE_TOKEN=$(registry_adduser releasebot "pw-release-$1-1") || fail "adduser releasebot"
	host_setup local
	printf 'token %s\n' "$RELEASE_TOKEN" | nr token set || fail "token set"
	printf 'token %s\n' "$STAGER_TOKEN" | nr token set --read || fail "token set --read"
	host_enroll_totp || fail "enroll totp"
}

stage_pkg() { # NAME VERSION [EXTRA_JSON] -> ID
	local dir tgz
	dir=$(source_dir "$1" "$2")
	fixture_package "$dir" "$1" "$2" "${3:-}"
	(cd "$dir" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack $1"
	tgz="$E2E_DIR/$(printf '%s' "$1" | sed 's#^@##; s#/#-#')-$2.tgz"
	expect_status 0 nr stage "$tgz"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage of $1 printed no id"
}

# NAME DEP... -> ID: NAME@1.0.0 staged with DEP... as dependencies, locked in the
# source checkout's package-lock.json (what the audit's tree coverage reads)
stage_dep() {
	local name=$1 out="" n locks=()
	shift
	for n in "$@"; do out="$out${out:+,}\"$n\":\"^1.0.0\""; locks+=("$n@1.0.0"); done
	fixture_package "$(source_dir "$name" 1.0.0)" "$name" 1.0.0 ",\"dependencies\":{$out}"
	[ $# -eq 0 ] || fixture_lockfile "$(source_dir "$name" 1.0.0)" "${locks[@]}"
	stage_pkg "$name" 1.0.0 ",\"dependencies\":{$out}"
}
