#!/usr/bin/env bash
# Soak test of the window (issue 20): trains in the real app under Xvfb and checks that resident
# memory stays bounded and frame times stay steady.
#
#   benches/window_soak.sh [SECONDS=1800] [OUTDIR=target/window-soak]
#
# Starts Xvfb (1280x800) on a free display, runs target/release/pairscope with
# PAIRSCOPE_FRAME_STATS=1 and a throw-away HOME (the user's saved settings are neither read nor
# overwritten), clicks Train, then samples VmRSS and the latest frame-stats line every 30 s into
# OUTDIR/soak.csv, with screenshots OUTDIR/start.png and OUTDIR/end.png. Exits non-zero if the app
# dies or resident memory grows by 10 % or more after the warm-up (120 s, or half a short run).
# Needs (Debian/Ubuntu): apt-get install xvfb xdotool imagemagick mesa-vulkan-drivers
# TRAIN_X / TRAIN_Y override where the Train button is clicked (top bar, at 1280x800).
# FULL_SPEED=1 (the default) trains as fast as the machine can (the harder case: hundreds of
# steps a second); FULL_SPEED=0 keeps the window's default pace (25 steps/s).
set -euo pipefail

duration=${1:-1800}
out=${2:-target/window-soak}
interval=30
warmup=$((duration / 2 < 120 ? duration / 2 : 120))
cd "$(dirname "$0")/.."
for tool in Xvfb xdotool import; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb xdotool imagemagick mesa-vulkan-drivers" >&2; exit 2; }
done
[[ -x target/release/pairscope ]] || cargo build --release
mkdir -p "$out"
home=$(mktemp -d)
# A private copy, so that a rebuild during the soak neither replaces nor waits on the binary.
cp target/release/pairscope "$home/pairscope"

display=90
while [[ -e /tmp/.X11-unix/X$display || -e /tmp/.X$display-lock ]]; do display=$((display + 1)); done
export DISPLAY=:$display
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp &
xvfb=$!
app=
cleanup() {
    if [[ -n $app ]]; then kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; fi
    kill "$xvfb" 2>/dev/null || true
    rm -rf "$home"
}
trap cleanup EXIT
sleep 2

if [[ ${FULL_SPEED:-1} == 1 ]]; then
    # The settings the window remembers (eframe's RON store): only the pace, the rest default.
    mkdir -p "$home/data/pairscope"
    echo '{ "app": "(speed:None)" }' >"$home/data/pairscope/app.ron"
fi
HOME=$home XDG_DATA_HOME=$home/data XDG_CONFIG_HOME=$home/config XDG_CACHE_HOME=$home/cache \
    PAIRSCOPE_FRAME_STATS=1 "$home/pairscope" 2>"$out/stderr.log" &
app=$!
sleep 10
xdotool mousemove "${TRAIN_X:-129}" "${TRAIN_Y:-13}" click 1
sleep 3
import -window root "$out/start.png"

csv=$out/soak.csv
echo "time_s,rss_kib,p50_ms,p99_ms,frames,step" >"$csv"
start=$SECONDS
while ((SECONDS - start < duration)); do
    sleep "$interval"
    if ! kill -0 "$app" 2>/dev/null; then
        status=0 && wait "$app" || status=$?
        echo "pairscope exited (status $status) after $((SECONDS - start)) s; see $out/stderr.log" >&2
        exit 1
    fi
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$app/status")
    # e.g. "frame stats (m = 64, step 812): frame interval: p50 16.7 ms, p99 21.0 ms (600 frames); …"
    stats=$(grep 'frame interval: p50' "$out/stderr.log" | tail -n 1 |
        sed -E 's/.*step ([0-9]+)\): frame interval: p50 ([0-9.]+) ms, p99 ([0-9.]+) ms \(([0-9]+) frames\).*/\2,\3,\4,\1/')
    echo "$((SECONDS - start)),$rss,${stats:-,,,}" | tee -a "$csv"
done
import -window root "$out/end.png"

awk -F, -v warmup="$warmup" '
    NR == 1 { next }
    !base && $1 >= warmup { base = $2; base_t = $1 }
    { last = $2; last_t = $1; step = $6 }
    $3 != "" {
        if (!n++) { p50lo = p50hi = $3; p99lo = p99hi = $4 }
        if ($3 < p50lo) p50lo = $3; if ($3 > p50hi) p50hi = $3
        if ($4 < p99lo) p99lo = $4; if ($4 > p99hi) p99hi = $4
    }
    END {
        growth = 100 * (last - base) / base
        printf "RSS %d KiB at %d s (after warm-up) -> %d KiB at %d s: growth %.1f %%\n", base, base_t, last, last_t, growth
        printf "frame interval p50 %s..%s ms, p99 %s..%s ms; step %s at the end\n", p50lo, p50hi, p99lo, p99hi, step
        exit growth >= 10
    }' "$csv"
