#!/usr/bin/env bash
# The simulator's digest path: CPU of `okayface-dev simulator` per OkayFace Plus call with two
# 2.4 MB images (over its digest cache's 1 MB limit, so hashed on every call) and a 100 KB
# bundle, sent one at a time with curl; and the call's time. Usage:
#   scripts/lib/simulator-digest-bench.sh .build/release/okayface-dev [CALLS]
# (docs/benchmarks.md, "SHA-256").
set -euo pipefail
BIN=$(realpath "$1"); N=${2:-40}; WORK=$(mktemp -d); cd "$WORK"
printf '\xff\xd8\xff\xe0' > id.jpg; head -c 2400000 /dev/urandom >> id.jpg
printf '\xff\xd8\xff\xe0' > best.jpg; head -c 2400000 /dev/urandom >> best.jpg
head -c 100000 /dev/urandom > sdk.bin
"$BIN" simulator --port 0 --url-file url > sim.log 2>&1 & pid=$!
while [ ! -s url ]; do sleep 0.1; done; url=$(cat url)
j=$(curl -s -X POST "$url/api/ekyc/journeyid" -H 'content-type: application/json' -d '{"username":"demo","password":"demo-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["journeyId"])')
call() { curl -s -H "Expect:" -o /dev/null -F journeyId=$j -F imageIdCard=@id.jpg -F imageBest=@best.jpg -F mobileSdkData=@sdk.bin "$url/api/ekyc/okayface-plus/v1"; }
call; t() { awk '{print $14+$15}' /proc/$pid/stat; }
c0=$(t); s=$(date +%s.%N); for i in $(seq $N); do call; done; e=$(date +%s.%N); c1=$(t)
kill $pid
cd / && rm -rf "$WORK"
python3 -c "print(f'{$N} calls: {($e-$s)/$N*1000:.1f} ms per call, simulator CPU {($c1-$c0)*10/$N:.1f} ms per call')"
