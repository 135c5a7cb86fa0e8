#!/usr/bin/env bash
# Multi-host test: four network namespaces on one bridge, one `accord serve` in each, LAN
# only (mDNS, no relay, no internet). The Technical Secretariat founds a meeting and invites
# Costa Rica and Mexico by ticket; all three edit one draft; Mexico's link is cut while all
# keep editing, then restored; all three must converge to the same draft with every edit.
# A fourth host with a valid key but no ticket must get nothing.
#
# Usage: tests/multihost/run.sh [path/to/accord]   (needs root; says SKIPPED otherwise)
set -euo pipefail

ACCORD=${1:-${ACCORD_BIN:-${CARGO_TARGET_DIR:-target}/debug/accord}}
if [ "$(id -u)" != 0 ]; then
  echo "SKIPPED: network namespaces need root"
  exit 0
fi
if ! command -v ip >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then echo "FAIL: the ip command (iproute2) is missing"; exit 1; fi
  echo "SKIPPED: the ip command (iproute2) is missing"
  exit 0
fi
[ -x "$ACCORD" ] || { echo "FAIL: no accord binary at $ACCORD (build it: cargo build -p accord-cli)"; exit 1; }
ACCORD=$(readlink -f "$ACCORD")

# Names unique to this run, so a leftover of another run never collides.
TAG="ac$$"
SW="${TAG}sw"
HOSTS=(ts cr mx x)
PARTIES=("Technical Secretariat" "Costa Rica" "Mexico" "Intruder")
WORK=$(mktemp -d /tmp/accord-multihost.XXXXXX)
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  for i in 1 2 3 4; do ip netns del "${TAG}h$i" 2>/dev/null; done
  ip netns del "$SW" 2>/dev/null
  if [ "${KEEP:-}" = 1 ]; then echo "profiles and logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { printf '[multihost %s] %s\n' "$(date +%T)" "$*"; }
fail() {
  log "FAIL: $*"
  for h in "${HOSTS[@]}"; do echo "---- serve log of $h"; tail -n 30 "$WORK/$h.log" 2>/dev/null; done
  exit 1
}

# Host n (1..4): its namespace, profile and accord command.
ns() { echo "${TAG}h$1"; }
on() { # on N accord-args... — runs accord for host N inside its namespace
  local n=$1; shift
  ip netns exec "$(ns "$n")" env ACCORD_NET=lan ACCORD_DATA_DIR="$WORK/${HOSTS[$((n-1))]}" \
    timeout 120 "$ACCORD" "$@"
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# wait_for SECONDS DESCRIPTION COMMAND... — polls COMMAND until it succeeds.
wait_for() {
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || fail "timed out after ${secs}s waiting until $what"
    sleep 0.5
  done
}

log "network: bridge namespace $SW, hosts $(ns 1)..$(ns 4) on 10.77.0.0/24"
ip netns add "$SW"
ip -n "$SW" link add br0 type bridge
ip -n "$SW" link set br0 up
for i in 1 2 3 4; do
  ip netns add "$(ns "$i")"
  ip link add "${TAG}v$i" type veth peer name "${TAG}p$i"
  ip link set "${TAG}v$i" netns "$(ns "$i")"
  ip link set "${TAG}p$i" netns "$SW"
  ip -n "$SW" link set "${TAG}p$i" master br0
  ip -n "$SW" link set "${TAG}p$i" up
  ip -n "$(ns "$i")" link set lo up
  ip -n "$(ns "$i")" addr add "10.77.0.$i/24" dev "${TAG}v$i"
  ip -n "$(ns "$i")" link set "${TAG}v$i" up
  ip -n "$(ns "$i")" route add default dev "${TAG}v$i" # without a route, no multicast (mDNS)
done

for i in 1 2 3 4; do
  h=${HOSTS[$((i-1))]}
  mkdir -p "$WORK/$h"
  on "$i" init --party "${PARTIES[$((i-1))]}" --device-name "$h server" >/dev/null
  ip netns exec "$(ns "$i")" env ACCORD_NET=lan ACCORD_DATA_DIR="$WORK/$h" ACCORD_LOG=warn \
    "$ACCORD" serve >"$WORK/$h.log" 2>&1 &
  PIDS+=($!)
done
for i in 1 2 3 4; do
  wait_for 30 "the serve of ${HOSTS[$((i-1))]} listens" test -S "$WORK/${HOSTS[$((i-1))]}/accord.sock"
done
log "four serves up (LAN only)"

# The TS founds the meeting and the draft, and invites the two delegations by ticket.
M=$(on 1 meeting create --title "Liaison Officer Network" --party "Costa Rica" --party Mexico --json | json_field id)
D=$(on 1 draft create --meeting "$M" --title "Draft report" --json | json_field id)
on 1 clause add --draft "$D" "TS: opening paragraph." >/dev/null
for i in 2 3; do
  T=$(on 1 invite --meeting "$M" --party "${PARTIES[$((i-1))]}" --json | json_field ticket)
  [ "$i" = 2 ] && USED_TICKET=$T
  on "$i" join "$T" >/dev/null || fail "${HOSTS[$((i-1))]} could not join"
  log "${PARTIES[$((i-1))]} joined by ticket"
done
for i in 2 3; do
  wait_for 60 "the draft reaches ${HOSTS[$((i-1))]}" on "$i" draft show "$D"
done

# All three edit the same draft.
on 1 clause add --draft "$D" "TS: second paragraph." >/dev/null
on 2 clause add --draft "$D" "CR: proposal." >/dev/null
on 3 clause add --draft "$D" "MX: proposal." >/dev/null
on 2 clause edit --draft "$D" 1 --splice "0:0:[CR] " >/dev/null

# Cut Mexico off; everyone keeps editing on both sides of the cut.
log "cutting Mexico's link"
ip -n "$(ns 3)" link set "${TAG}v3" down
on 1 clause add --draft "$D" "TS: while Mexico was away." >/dev/null
on 2 clause add --draft "$D" "CR: while Mexico was away." >/dev/null
on 3 clause add --draft "$D" "MX: while cut off." >/dev/null
on 3 minutes append --meeting "$M" "MX: minutes written offline." >/dev/null
sleep 3
# The cut is real: neither side has the other's edits made during it.
on 3 draft show "$D" --json | grep -qF "TS: while Mexico was away." && fail "Mexico got an edit through a cut link"
on 1 draft show "$D" --json | grep -qF "MX: while cut off." && fail "the TS got an edit through a cut link"
log "during the cut, neither side sees the other's new edits"
on 1 clause add --draft "$D" "TS: later still." >/dev/null
log "restoring Mexico's link"
ip -n "$(ns 3)" link set "${TAG}v3" up
ip -n "$(ns 3)" route add default dev "${TAG}v3" 2>/dev/null || true

EXPECT=("[CR] TS: opening paragraph." "TS: second paragraph." "CR: proposal." "MX: proposal."
  "TS: while Mexico was away." "CR: while Mexico was away." "MX: while cut off." "TS: later still.")
converged() {
  for i in 1 2 3; do on "$i" draft show "$D" --json >"$WORK/draft$i.json" || return 1; done
  cmp -s "$WORK/draft1.json" "$WORK/draft2.json" && cmp -s "$WORK/draft1.json" "$WORK/draft3.json" || return 1
  for t in "${EXPECT[@]}"; do grep -qF "\"$t\"" "$WORK/draft1.json" || return 1; done
  for i in 1 2 3; do on "$i" minutes show --meeting "$M" | grep -qF "MX: minutes written offline." || return 1; done
}
wait_for 120 "all three converge with every edit" converged
log "converged: the same draft on all three hosts, with all ${#EXPECT[@]} edits"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [print("   ", c["number"], c["text"]) for c in d["clauses"]]' "$WORK/draft1.json"
on 1 sync --timeout 60s >/dev/null || fail "accord sync on the TS did not report all peers in sync"
log "accord sync on the TS: every reachable peer has all changes"

# The intruder: a valid device key on the same LAN, but no ticket (a used one does not count).
if on 4 join "$USED_TICKET" >"$WORK/x-join.out" 2>&1; then fail "the intruder joined with a used ticket"; fi
log "intruder's join with a used ticket refused: $(tail -n 1 "$WORK/x-join.out")"
sleep 2
[ "$(on 4 meeting list --json)" = "[]" ] || fail "the intruder has a meeting"
if on 4 draft show "$D" >/dev/null 2>&1; then fail "the intruder can read the draft"; fi
on 1 meeting show "$M" --json | grep -q '"party":"Intruder"' && fail "the intruder is on the roster"
log "intruder got nothing"

for pid in "${PIDS[@]}"; do kill -TERM "$pid"; done
for pid in "${PIDS[@]}"; do wait "$pid" || fail "a serve did not stop cleanly (exit $?)"; done
PIDS=()
log "PASS"
