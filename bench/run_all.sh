#!/usr/bin/env bash
# bench/run_all.sh N [bench.run options…]
#
# The whole benchmark on a throwaway PostgreSQL cluster (pg_virtualenv -t, removed on exit):
# migrate, generate N complaints (bench.generate), run the benchmarks (bench.run), print the
# table and write bench/results/<date>-<N>.json. Exits with bench.run's status: 0 when
# everything ran, 1 on a real error or a query-count violation (3 with --strict when a
# timing or memory target is missed). See docs/performance.md.
#
#   bench/run_all.sh 20000            # make bench-small (CI)
#   bench/run_all.sh 1000000          # make bench
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:?usage: bench/run_all.sh N [bench.run options…]}
shift
[[ $N =~ ^[0-9]+$ ]] || { echo "N must be a number of complaints, not '$N'" >&2; exit 2; }
export BENCH_N=$N BENCH_PYTHON=${PYTHON:-$PWD/.venv/bin/python}
command -v pg_virtualenv >/dev/null || { echo "pg_virtualenv (postgresql-common) is required" >&2; exit 2; }

# PostgreSQL as docs/deploy.md asks, scaled to this machine (deploy/pg_settings.py), with
# pg_virtualenv's fsync off; BENCH_PG=defaults leaves pg_virtualenv's defaults, as the rounds
# before the thirteenth ran (docs/performance.md, finding 53).
settings=()
if [ "${BENCH_PG:-}" != defaults ]; then
    options=$("$BENCH_PYTHON" -m deploy.pg_settings)
    mapfile -t settings <<< "$options"
fi

# Inside the cluster's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD are set).
exec deploy/throwaway_pg.sh "${settings[@]}" bash -euo pipefail -c '
    export DATABASE_URL="postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/aduan_bench"
    export DJANGO_SETTINGS_MODULE=bench.settings PYTHONPATH="$PWD"
    createdb aduan_bench
    echo "== migrate"
    "$BENCH_PYTHON" manage.py migrate --noinput -v0
    echo "== generate $BENCH_N complaints"
    /usr/bin/env time -f "generate: %e s wall, %U s user, %S s system, %M KB peak" \
        "$BENCH_PYTHON" -m bench.generate --complaints "$BENCH_N"
    echo "== benchmarks"
    status=0
    "$BENCH_PYTHON" -m bench.run --complaints "$BENCH_N" "$@" || status=$?
    # bench.compare, run so that it never rots: this checkout against itself, briefly.
    echo "== bench.compare, this checkout against itself"
    "$BENCH_PYTHON" -m bench.compare --complaints "$BENCH_N" --before . --rounds 20 \
        --warmup 5 --out "$(mktemp -d)"
    exit $status
' bench "$@"
