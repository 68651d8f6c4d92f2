#!/bin/bash
# End-to-end Discord gateway throughput over loopback: tetherd and
# @discordjs/ws (bench/discordjs) each consume floods of ~1 KB MESSAGE_CREATE
# events from build/fake_discord, in the same run; then idle RSS at 1 and
# 100 shards. docs/benchmarks.md ("Discord gateway throughput") says how
# every figure is measured.
#
#   bench/discord_e2e.sh BUILD_DIR
#
# Environment: EVENTS (total events per flood run, default 100000),
# IDLE_SHARDS (default 100), SKIP_IDLE=1 skips the idle runs.
set -euo pipefail

build_dir=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
events_total=${EVENTS:-100000}
idle_shards=${IDLE_SHARDS:-100}
for b in fake_discord tetherd; do
  [ -x "$build_dir/$b" ] || { echo "discord_e2e: $build_dir/$b not found; build first" >&2; exit 1; }
done
command -v node >/dev/null || { echo "discord_e2e: node not found" >&2; exit 1; }
if [ ! -d "$here/discordjs/node_modules/@discordjs/ws" ]; then
  (cd "$here/discordjs" && timeout 300 npm install --no-audit --no-fund >&2)
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  sleep 0.2
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

export DISCORD_TOKEN=test-token   # the fake's default token
hz=$(getconf CLK_TCK)
results="$tmp/results"
: > "$results"

now() { date +%s.%N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo -1; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# start_fake SHARDS FLOOD -> sets fake_pid, port
start_fake() {
  "$build_dir/fake_discord" --port 0 --shards "$1" --heartbeat-ms 41250 \
    --flood-per-connection "$2" --max-concurrency "$1" \
    > "$tmp/fake.out" 2> "$tmp/fake.err" &
  fake_pid=$!
  pids+=("$fake_pid")
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening 127\.0\.0\.1://p' "$tmp/fake.out")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "discord_e2e: fake_discord did not start" >&2
  exit 1
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

# row CLIENT MODE SHARDS COMPRESS EVENTS WALL_S CPU_S RSS RSS_PEAK
row() { echo "$*" >> "$results"; }

# tether SHARDS COMPRESS FLOOD_PER_SHARD(0 = idle)
tether() {
  local shards=$1 compress=$2 per=$3 expect=$(( $3 * $1 ))
  start_fake "$shards" "$per"
  cat > "$tmp/tether.yaml" <<YAML
daemon:
  log_level: warn
  data_dir: $tmp/var
  shutdown_timeout: 5s
admin:
  enabled: false
platforms:
  - kind: discord
    name: bench
    settings:
      token: \${DISCORD_TOKEN}
      api_base: http://127.0.0.1:$port/api/v10
      compress: $compress
      shards: $shards
handlers:
  - kind: commands
routes:
  - match:
      platform: discord
    handler: commands
YAML
  local t0; t0=$(now)
  "$build_dir/tetherd" --config "$tmp/tether.yaml" > "$tmp/tetherd.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local wall cpu
  if [ "$per" -gt 0 ]; then
    # Done = CPU time flat for 1 s after at least min_ticks; the end is the
    # moment of the last change. The fake writes only as fast as tetherd
    # reads, and all shards identify at once (max_concurrency = shards).
    local min_ticks=$(( expect / 20000 + 2 )) last=-1 t_last t stable=0
    t_last=$(now)
    local deadline=$(( SECONDS + 120 ))
    while :; do
      sleep 0.05
      local c; c=$(cpu_ticks "$pid")
      [ "$c" = -1 ] && { echo "discord_e2e: tetherd exited:" >&2; cat "$tmp/tetherd.log" >&2; exit 1; }
      t=$(now)
      if [ "$c" != "$last" ]; then last=$c; t_last=$t; fi
      if [ "$c" -ge "$min_ticks" ] && awk -v a="$t" -v b="$t_last" 'BEGIN{exit !(a - b >= 1.0)}'; then break; fi
      [ $SECONDS -ge $deadline ] && { echo "discord_e2e: tetherd still busy after 120 s" >&2; exit 1; }
    done
    wall=$(awk -v a="$t_last" -v b="$t0" 'BEGIN{printf "%.3f", a - b}')
    cpu=$(awk -v c="$last" -v hz="$hz" 'BEGIN{printf "%.3f", c / hz}')
  else
    # Idle: 3 s plus 0.1 s per shard for all identifies and READYs.
    sleep "$(awk -v s="$shards" 'BEGIN{print 3 + s / 10}')"
    wall=0; cpu=$(awk -v c="$(cpu_ticks "$pid")" -v hz="$hz" 'BEGIN{printf "%.3f", c / hz}')
  fi
  local rss peak
  rss=$(( $(status_kb "$pid" VmRSS) * 1024 )); peak=$(( $(status_kb "$pid" VmHWM) * 1024 ))
  if grep -q . "$tmp/fake.err"; then sed 's/^/fake_discord: /' "$tmp/fake.err" | sort | uniq -c | head -5 >&2; fi
  stop_pid "$pid"; stop_pid "$fake_pid"
  row tether "$([ "$per" -gt 0 ] && echo flood || echo idle)" "$shards" "$compress" "$expect" "$wall" "$cpu" "$rss" "$peak"
}

# discordjs SHARDS COMPRESS FLOOD_PER_SHARD(0 = idle)
discordjs() {
  local shards=$1 compress=$2 per=$3 expect=$(( $3 * $1 ))
  start_fake "$shards" "$per"
  local out
  out=$(timeout 150 node "$here/discordjs/bench.mjs" --port "$port" --shards "$shards" \
        --expect "$expect" --compress "$compress" --timeout-s 120 \
        --settle-ms "$(awk -v s="$shards" 'BEGIN{print 1000 + 10 * s}')" 2> "$tmp/node.err" | tail -1) || {
    echo "discord_e2e: @discordjs/ws run failed: $out" >&2; cat "$tmp/node.err" >&2; exit 1; }
  stop_pid "$fake_pid"
  local mode; mode=$([ "$per" -gt 0 ] && echo flood || echo idle)
  row discordjs "$mode" "$shards" "$compress" "$expect" $(node -e '
    const r = JSON.parse(process.argv[1]);
    console.log([r.what === "idle" ? 0 : r.wall_s.toFixed(3), r.cpu_s.toFixed(3), r.rss, r.rss_peak].join(" "));' "$out")
}

echo "# $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); node $(node --version); @discordjs/ws $(node -p "require('$here/discordjs/node_modules/@discordjs/ws/package.json').version")"
for compress in none zlib-stream; do
  for shards in 1 8; do
    per=$(( events_total / shards ))
    tether "$shards" "$compress" "$per"
    discordjs "$shards" "$compress" "$per"
  done
done
if [ "${SKIP_IDLE:-0}" != 1 ]; then
  for shards in 1 "$idle_shards"; do
    tether "$shards" none 0
    discordjs "$shards" none 0
  done
fi

# The table, then one JSON line per run.
awk '
  { key = $2 " " $3 " " $4; c[$1, key] = $0; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
  function f(x) { return x }
  END {
    printf "%-5s %6s %-11s | %-9s %10s %11s %8s %8s\n", "mode", "shards", "compress", "client", "events/s", "events/cpu-s", "RSS MB", "peak MB"
    for (i = 1; i <= n; i++) {
      split(order[i], k, " ")
      for (j = 1; j <= 2; j++) {
        cl = j == 1 ? "tether" : "discordjs"
        if (!((cl, order[i]) in c)) continue
        split(c[cl, order[i]], r, " ")
        eps[cl] = r[6] > 0 ? r[5] / r[6] : 0; epc[cl] = r[7] > 0 ? r[5] / r[7] : 0; rss[cl] = r[8]; pk[cl] = r[9]
        printf "%-5s %6s %-11s | %-9s %10.0f %11.0f %8.1f %8.1f\n", k[1], k[2], k[3], cl, eps[cl], epc[cl], r[8] / 1048576, r[9] / 1048576
      }
      if (k[1] == "flood" && eps["discordjs"] > 0 && epc["discordjs"] > 0)
        printf "%-5s %6s %-11s | %-9s %9.2fx %10.2fx %7.2fx %7.2fx\n", k[1], k[2], k[3], "ratio", eps["tether"] / eps["discordjs"], epc["tether"] / epc["discordjs"], rss["tether"] / rss["discordjs"], pk["tether"] / pk["discordjs"]
      else
        printf "%-5s %6s %-11s | %-9s %10s %11s %7.2fx %7.2fx\n", k[1], k[2], k[3], "ratio", "", "", rss["tether"] / rss["discordjs"], pk["tether"] / pk["discordjs"]
    }
  }' "$results"
# RSS per idle shard: (RSS at IDLE_SHARDS - RSS at 1 shard) / (IDLE_SHARDS - 1).
awk -v n="$idle_shards" '$2 == "idle" { r[$1, $3] = $8 }
  END { if (("tether", n) in r && ("discordjs", n) in r) {
    t = (r["tether", n] - r["tether", 1]) / (n - 1); d = (r["discordjs", n] - r["discordjs", 1]) / (n - 1)
    printf "idle RSS per shard (%d vs 1 shard): tether %.0f KB, discordjs %.0f KB, ratio %.2fx\n", n, t / 1024, d / 1024, d ? t / d : 0 } }' "$results"
awk '{ printf "{\"bench\":\"discord_e2e\",\"client\":\"%s\",\"mode\":\"%s\",\"shards\":%s,\"compress\":\"%s\",\"events\":%s,\"wall_s\":%s,\"cpu_s\":%s,\"rss\":%s,\"rss_peak\":%s}\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$results"
