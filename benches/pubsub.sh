#!/bin/bash
# PUBLISH throughput with no subscriber and with 8 subscribers (redis-cli processes that
# read everything), measured with redis-benchmark's custom-command mode.
#
#   benches/pubsub.sh PORT SERVER [ARGS...]
#   e.g. benches/pubsub.sh 7800 redis-server
#        benches/pubsub.sh 7801 target/release/anax --threads 2
set -u
PORT=$1; shift
"$@" --port "$PORT" --save '' >/dev/null 2>&1 &
SRV=$!
sleep 1
echo "no subscribers:"
redis-benchmark -p "$PORT" -c 20 -n 300000 -P 16 -q publish ch hello | tr '\r' '\n' | tail -1
SUBS=()
for _ in $(seq 8); do
    redis-cli -p "$PORT" subscribe ch >/dev/null &
    SUBS+=($!)
done
sleep 0.5
echo "8 subscribers:"
redis-benchmark -p "$PORT" -c 20 -n 300000 -P 16 -q publish ch hello | tr '\r' '\n' | tail -1
kill "${SUBS[@]}" "$SRV" 2>/dev/null
wait 2>/dev/null
