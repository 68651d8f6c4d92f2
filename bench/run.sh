#!/bin/sh
# Runs the supervision benchmarks against a configured and built tree:
#   bench/run.sh BUILD_DIR        (what `make bench` does)
# Each benchmark prints human-readable lines and one JSON line per run;
# docs/benchmarks.md says what the figures mean.
set -eu

build_dir=${1:-build}
for b in bench_restart_latency bench_idle_memory; do
  if [ ! -x "$build_dir/$b" ]; then
    echo "run.sh: $build_dir/$b not found; build first (make build)" >&2
    exit 1
  fi
done

echo "# $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo \
  | sed 's/.*: //')"
# Bounded: both benchmarks abort on any step that stalls.
timeout 120 "$build_dir/bench_restart_latency"
timeout 120 "$build_dir/bench_idle_memory"

# Discord gateway throughput (docs/benchmarks.md): the in-process decode
# path, then end to end against fake_discord with @discordjs/ws as the
# baseline (needs node and npm; skipped without node).
if [ -x "$build_dir/bench_discord_decode" ]; then
  timeout 120 "$build_dir/bench_discord_decode"
else
  echo "run.sh: $build_dir/bench_discord_decode not found; skipped" >&2
fi
# Metrics registry (docs/benchmarks.md, "Metrics").
if [ -x "$build_dir/bench_metrics" ]; then
  timeout 120 "$build_dir/bench_metrics"
else
  echo "run.sh: $build_dir/bench_metrics not found; skipped" >&2
fi
if command -v node >/dev/null 2>&1; then
  timeout 900 "$(dirname "$0")/discord_e2e.sh" "$build_dir"
else
  echo "run.sh: node not found; bench/discord_e2e.sh skipped" >&2
fi
