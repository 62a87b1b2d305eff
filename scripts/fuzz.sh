#!/usr/bin/env bash
# Fuzzes the gateway-facing parsers: each cargo-fuzz target in fuzz/ runs for
# a bounded time (default 60 s each). Installs cargo-fuzz once if missing.
# Needs the nightly toolchain (rustup toolchain install nightly).
#
#   scripts/fuzz.sh          # 60 s per target
#   scripts/fuzz.sh 300      # 5 minutes per target
#
# A crash leaves its input in fuzz/artifacts/<target>/; turn it into a
# regression test in crates/agentgateway/tests/ and fix the bug.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: $0 [seconds per target]" >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "the nightly toolchain is needed: rustup toolchain install nightly" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Seed inputs: real answers and pushes from the protocol pages.
seed() {
    local dir="corpus/$1" name="$2" text="$3"
    mkdir -p "$dir"
    [ -e "$dir/$name" ] || printf '%s' "$text" > "$dir/$name"
}
seed event_decoder poll-empty '{"message":"","retcode":"0"}'
seed event_decoder poll-event '{"message":"","retcode":"0","event":{"eventType":"AgentOther_InService","workNo":"291","content":null}}'
seed event_decoder poll-ringing '{"message":"","retcode":"0","event":{"eventType":"AgentEvent_Ringing","workNo":"291","eventGenTime":1471585949806,"content":{"caller":"13800138000","called":"4001","callid":"1471585949-1","transfer":"no","transfrom":"","type":"main","mediaType":"5","mediaAbility":"1","feature":"0"}}}'
seed event_decoder poll-release '{"retcode":"0","event":{"eventType":"AgentEvent_Call_Release","workNo":"291","content":"1471585949-1"}}'
seed event_decoder refusal '{"msg":"no permission","retcode":"000-003","result":null}'
seed event_decoder set-guid 'JSESSIONID=279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0; Path=/'
seed push_body push '{"workNo":"291","eventList":[{"eventType":"AgentState_Ready","workNo":"291","content":null},{"eventType":"AgentState_SetNotReady_Success","workNo":"291","content":{"reason":"200"}}]}'
seed push_body push-empty '{"workNo":"291","eventList":[]}'

status=0
for target in $(cargo +nightly fuzz list); do
    echo "== fuzzing $target for $seconds s"
    if ! cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1; then
        echo "== $target: crash, see fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit "$status"
