#!/usr/bin/env bash
# got's own test suite (ava) through the vendor-resilience got adapter.
#
# Runs the test suite of a got checkout (written for got v14.6.6) twice and compares:
#   plain    the unmodified suite (the baseline: what passes on this machine at all);
#   adapter  the same suite, with got's default export (source/index.ts, which every test and
#            test/helpers/with-server.ts import) replaced by
#            `got.extend(vendorResilience('scripts/got-suite/neutral-policy.json'))`.
# The neutral policy has no envelopes and one rule that can never match, so every decision is the
# engine's status-class fallback (2xx/3xx ok, 408/5xx retry, 429 backoff, other 4xx fail; network
# errors: retry only when the request never left).
#
# Usage:
#   git clone /work/.mirror/sindresorhus+got/repo /tmp/gotsuite-got
#   (cd /tmp/gotsuite-got && git checkout v14.6.6 && npm install)   # got's devDependencies
#   npm run build                                                    # the adapter build to test
#   npm run test:got-suite -- /tmp/gotsuite-got [both|plain|adapter]
# or `bash scripts/got-suite/run.sh CHECKOUT [MODE]`. MODE defaults to both.
#
# Environment:
#   VR_DIST               vendor-resilience build to test (default: this repo's dist/). Its parent
#                         directory must hold policies/; its node_modules/ (or, when it has none,
#                         this repo's) supplies ajv etc. A snapshot of it is taken first, so a
#                         rebuild during the run changes nothing. To test a clean HEAD while lib/ is
#                         being edited: git worktree add /tmp/gotsuite-base HEAD, build there
#                         (node_modules symlinked from here), VR_DIST=/tmp/gotsuite-base/dist.
#   GOT_SUITE_OUT         results directory (default /tmp/got-suite-results)
#   GOT_SUITE_WORK        scratch directory for the patched copies (default: a new /tmp/gotsuite-run.*)
#   GOT_SUITE_FILES       test files to run, e.g. "test/http.ts test/stream.ts" (default: ava's own list)
#   GOT_SUITE_CONCURRENCY ava --concurrency (default 2: one test file per core)
#   GOT_SUITE_PACING      "off": the adapter gets { pacing: false } (the default pacing, on by default, is off);
#                         "no-budget": its own pacing, as the default but without a retry budget (ava runs a
#                         file's tests at once, and to the adapter every test server is one vendor: got's own
#                         resends in test/hooks.ts, some 19 within a second, spend the default budget of 10)
#   GOT_SUITE_TIMEOUT     ava --timeout, the longest wait for the next test result (default 60s;
#                         got's own config says 10m, but a test hanging through the adapter would
#                         then cost 10 minutes)
#   GOT_SUITE_RECHECK     1 (default): after both modes, run the files with regressions again
#                         through the adapter with --serial, and list tests that pass then as flaky;
#                         then (default pacing) the files still with regressions through an adapter
#                         whose pacing has no retry budget, and list tests that pass then as refused
#                         by the default retry budget
#
# Output in GOT_SUITE_OUT:
#   {plain,adapter}.tap          ava's TAP output;  {plain,adapter}.stderr  ava's stderr
#   {plain,adapter}.txt          failing test titles ("file › title"), one a line
#   {plain,adapter}-errors.txt   the same with each failure's first error line
#   {plain,adapter}.json         every test's outcome
#   regressions.txt              pass on plain, fail through the adapter, by test file; allowed
#                                exceptions (tests of got's own retry decisions: test/retry.ts,
#                                anything on retryCount, the request:retry diagnostics channel)
#                                listed apart; then flaky ones, improvements and fail-on-both
#   run-info.txt                 what was run: versions, paths, commands, durations
#
# How one copy of got is kept: the checkout is copied (never patched in place) to a scratch
# directory whose node_modules/ is a symlink to the checkout's. ava runs the tests' TypeScript with
# tsx, as got's own `npm test` does. register.mjs/loader.mjs (preloaded via NODE_OPTIONS) resolve
# the bare 'got' that the vendor-resilience build imports to the copy's unmodified entry
# (source/got-suite-plain-index.ts, the original source/index.ts moved aside), so the adapter and
# the tests share the very same source/core modules; loading any other got (a node_modules/got, a
# compiled dist/source) is refused. preflight.mjs checks it before each mode: the adapter's imports
# of 'got' were resolved to the copy's source, the default instance is extended, and a POST
# answered 500 then 200 succeeds after 2 requests (the adapter's decision: got alone never retries
# a POST) with a response of the tests' Request/Options classes.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
[[ $# -ge 1 && $1 != -h && $1 != --help ]] || usage
CHECKOUT=$(cd "$1" && pwd)
MODE=${2:-both}
case "$MODE" in both) MODES=(plain adapter) ;; plain | adapter) MODES=("$MODE") ;; *) usage ;; esac

VR_DIST=$(cd "${VR_DIST:-$REPO/dist}" && pwd)
OUT=${GOT_SUITE_OUT:-/tmp/got-suite-results}
CONCURRENCY=${GOT_SUITE_CONCURRENCY:-2}
TIMEOUT=${GOT_SUITE_TIMEOUT:-60s}
RECHECK=${GOT_SUITE_RECHECK:-1}
PACING=${GOT_SUITE_PACING:-default}
POLICY="$SCRIPT_DIR/neutral-policy.json"
read -r -a FILES <<<"${GOT_SUITE_FILES:-}"

die() {
  echo "got-suite: $*" >&2
  exit 1
}
case "$PACING" in default | off | no-budget) ;; *) die "GOT_SUITE_PACING must be off or no-budget, not $PACING" ;; esac

# --- the got checkout -------------------------------------------------------------------------
[[ -f "$CHECKOUT/package.json" && -f "$CHECKOUT/source/index.ts" && -d "$CHECKOUT/test" ]] ||
  die "$CHECKOUT is not a got checkout (no package.json, source/index.ts or test/)"
GOT_NAME=$(node -p "require('$CHECKOUT/package.json').name")
GOT_VERSION=$(node -p "require('$CHECKOUT/package.json').version")
[[ $GOT_NAME == got ]] || die "$CHECKOUT/package.json names $GOT_NAME, not got"
[[ $GOT_VERSION == 14.6.6 ]] || echo "got-suite: warning: written for got 14.6.6, the checkout is $GOT_VERSION" >&2
[[ -x "$CHECKOUT/node_modules/.bin/ava" && -d "$CHECKOUT/node_modules/tsx" ]] ||
  die "$CHECKOUT has no devDependencies installed: run 'npm install' there first"
GOT_COMMIT=$(git -C "$CHECKOUT" describe --tags --always --dirty 2>/dev/null || echo unknown)

# --- the vendor-resilience build (snapshot) ---------------------------------------------------
VR_ROOT=$(dirname "$VR_DIST")
[[ -f "$VR_DIST/lib/adapters/got/index.js" ]] || die "$VR_DIST/lib/adapters/got/index.js is missing (run npm run build)"
[[ -f "$VR_ROOT/policies/policy.schema.json" ]] || die "$VR_ROOT/policies/ is missing (VR_DIST must be <package>/dist)"
if [[ -d "$VR_ROOT/node_modules" ]]; then VR_MODULES=$(cd "$VR_ROOT/node_modules" && pwd -P); else VR_MODULES="$REPO/node_modules"; fi
VR_COMMIT=$(git -C "$VR_ROOT" describe --always --dirty 2>/dev/null || echo unknown)

node "$VR_ROOT/dist/lib/cli/main.js" check "$POLICY" >/dev/null 2>&1 ||
  node "$REPO/dist/lib/cli/main.js" check "$POLICY" || die "the neutral policy does not validate"

WORK=${GOT_SUITE_WORK:-$(mktemp -d /tmp/gotsuite-run.XXXXXX)}
mkdir -p "$WORK" "$OUT"
rm -f "$OUT"/{plain,adapter,adapter-recheck,adapter-no-budget}{.tap,.stderr,.txt,-errors.txt,.json} "$OUT"/regressions.txt \
  "$OUT"/regressed-files.txt
VR="$WORK/vendor-resilience"
rm -rf "$VR"
mkdir -p "$VR"
cp -a "$VR_DIST" "$VR/dist"
cp -a "$VR_ROOT/policies" "$VR/policies"
cp "$VR_ROOT/package.json" "$VR/package.json"
ln -s "$VR_MODULES" "$VR/node_modules"
VR_DIST_HASH=$(cd "$VR/dist/lib" && find . -name '*.js' -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)

INFO="$OUT/run-info.txt"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "node: $(node --version); ava $(node -p "require('$CHECKOUT/node_modules/ava/package.json').version"); tsx $(node -p "require('$CHECKOUT/node_modules/tsx/package.json').version")"
  echo "got checkout: $CHECKOUT (got $GOT_VERSION, $GOT_COMMIT)"
  echo "vendor-resilience build: $VR_DIST ($VR_COMMIT; dist/lib *.js sha256 $VR_DIST_HASH), snapshot in $VR"
  echo "policy: $POLICY; pacing: $PACING (GOT_SUITE_PACING)"
  echo "work dir: $WORK"
  echo "ava: --tap --concurrency=$CONCURRENCY --timeout=$TIMEOUT ${FILES[*]:-(package.json ava.files)}"
} >"$INFO"

# adapter_options [PACING]: the second argument of vendorResilience for GOT_SUITE_PACING (none by default).
adapter_options() {
  case "${1:-$PACING}" in
    default) ;;
    off) echo ', { pacing: false }' ;;
    no-budget) echo ', { pacing: createPacing({ retryBudget: false }) }' ;;
  esac
}

# --- one mode ---------------------------------------------------------------------------------
# prepare MODE [PACING]: a fresh copy of the checkout in $WORK/MODE (node_modules linked), patched
# for any MODE but plain (adapter, adapter-no-budget) with the adapter under PACING (default $PACING).
prepare() {
  local mode=$1 copy="$WORK/$1" pacing=${2:-$PACING}
  rm -rf "$copy"
  mkdir -p "$copy"
  tar -C "$CHECKOUT" --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./coverage -cf - . |
    tar -C "$copy" -xf -
  ln -s "$CHECKOUT/node_modules" "$copy/node_modules"
  if [[ $mode != plain ]]; then
    mv "$copy/source/index.ts" "$copy/source/got-suite-plain-index.ts"
    cat >"$copy/source/index.ts" <<TS
// Written by vendor-resilience scripts/got-suite/run.sh (adapter mode): got's default instance,
// which every test imports, extended by the vendor-resilience adapter with a neutral policy. The
// original entry is ./got-suite-plain-index.ts; the adapter's own 'got' resolves to it too.
import plainGot from './got-suite-plain-index.js';
import {vendorResilience} from '$(node -p "require('url').pathToFileURL('$VR/dist/lib/adapters/got/index.js').href")';

$([[ $pacing == no-budget ]] && echo "import {createPacing} from '$(node -p "require('url').pathToFileURL('$VR/dist/lib/pacing/index.js').href")';")
const got = plainGot.extend(vendorResilience($(node -p "JSON.stringify('$POLICY')")$(adapter_options "$pacing")));

export default got;
export {got};
export * from './got-suite-plain-index.js';
TS
  fi
}

# node_options MODE: tsx (as got's npm test) and the one-copy-of-got hooks.
node_options() {
  echo "${NODE_OPTIONS:-} --import=tsx/esm --import=$(node -p "require('url').pathToFileURL('$SCRIPT_DIR/register.mjs').href")"
}

got_url() {
  local entry=index.ts
  [[ $1 != plain ]] && entry=got-suite-plain-index.ts
  node -p "require('url').pathToFileURL('$WORK/$1/source/$entry').href"
}

# run_ava MODE OUTNAME [ava args...]
run_ava() {
  local mode=$1 name=$2 copy="$WORK/$1" start end rc=0 arg single=() tests=()
  shift 2
  for arg in "$@"; do
    if [[ $arg == *.ts ]]; then tests+=("$arg"); fi
  done
  if [[ ${#tests[@]} -eq 1 ]]; then single=("$(basename "${tests[0]}" .ts)"); fi
  start=$(date +%s)
  (cd "$copy" && GOT_SUITE_GOT_URL=$(got_url "$mode") NODE_OPTIONS=$(node_options) \
    node_modules/.bin/ava --tap --timeout="$TIMEOUT" "$@") >"$OUT/$name.tap" 2>"$OUT/$name.stderr" || rc=$?
  end=$(date +%s)
  echo "$name: ava exit $rc in $((end - start)) s" | tee -a "$INFO"
  node "$SCRIPT_DIR/report.mjs" parse "$name" "$OUT/$name.tap" "$copy/test" "$OUT" "${single[@]}" | tee -a "$INFO"
}

for mode in "${MODES[@]}"; do
  echo "== $mode: preparing $WORK/$mode"
  prepare "$mode"
  rm -f "$WORK/$mode.resolve-log"
  (cd "$WORK/$mode" && GOT_SUITE_COPY="$WORK/$mode" GOT_SUITE_MODE=$mode GOT_SUITE_GOT_URL=$(got_url "$mode") \
    GOT_SUITE_VR_URL=$(node -p "require('url').pathToFileURL('$VR/dist/').href") \
    GOT_SUITE_RESOLVE_LOG="$WORK/$mode.resolve-log" \
    NODE_OPTIONS=$(node_options) node "$SCRIPT_DIR/preflight.mjs") | tee -a "$INFO" ||
    die "preflight failed for $mode (see above); not running the suite"
  echo "== $mode: running got's test suite (ava, concurrency $CONCURRENCY; TAP in $OUT/$mode.tap)"
  run_ava "$mode" "$mode" --concurrency="$CONCURRENCY" "${FILES[@]}"
done

[[ -f "$OUT/plain.json" && -f "$OUT/adapter.json" ]] || {
  echo "got-suite: results in $OUT (run both modes for the comparison)"
  exit 0
}

HEADER=("got $GOT_VERSION ($GOT_COMMIT) at $CHECKOUT; vendor-resilience $VR_DIST ($VR_COMMIT, $VR_DIST_HASH)"
  "policy $POLICY; pacing $PACING; ava --concurrency=$CONCURRENCY --timeout=$TIMEOUT; results in $OUT")
node "$SCRIPT_DIR/report.mjs" compare "$WORK/adapter/test" "$OUT" "${HEADER[@]}" >/dev/null
if [[ $RECHECK == 1 && -s "$OUT/regressed-files.txt" ]]; then
  mapfile -t RECHECK_FILES <"$OUT/regressed-files.txt"
  echo "== adapter recheck: ${#RECHECK_FILES[@]} file(s) with regressions, --serial"
  run_ava adapter adapter-recheck --serial --concurrency=1 "${RECHECK_FILES[@]}"
  # What is left may be the default retry budget refusing got's resends (README: on by default): the
  # same files through an adapter whose pacing has no budget tell those apart.
  node "$SCRIPT_DIR/report.mjs" compare "$WORK/adapter/test" "$OUT" "${HEADER[@]}" >/dev/null
  if [[ $PACING == default && -s "$OUT/regressed-files.txt" ]]; then
    mapfile -t RECHECK_FILES <"$OUT/regressed-files.txt"
    echo "== adapter without a retry budget: ${#RECHECK_FILES[@]} file(s) with regressions"
    prepare adapter-no-budget no-budget
    run_ava adapter-no-budget adapter-no-budget --concurrency="$CONCURRENCY" "${RECHECK_FILES[@]}"
  fi
fi
echo "== comparison (full list: $OUT/regressions.txt)"
node "$SCRIPT_DIR/report.mjs" compare "$WORK/adapter/test" "$OUT" "${HEADER[@]}" | tee -a "$INFO"
