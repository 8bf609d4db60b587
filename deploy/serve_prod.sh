#!/usr/bin/env bash
# `make serve-prod`: the production recipe of docs/deploy.md, on this machine, on loopback.
#
# A throwaway PostgreSQL (pg_virtualenv), then what an operator does: migrate, create the cache
# table, collect the static files, (here) load the demo data, start two gunicorn app servers
# and two SLA workers — all configured only through environment variables — and prove that
# they cooperate (deploy/cooperation.py). Everything started here is stopped on exit.
#
#   KEEP=1        keep serving after the check, until Ctrl-C
#   PORTS="a b"   the app servers' ports (default: two free ones)
#   DUE=300       complaints made overdue at once for the workers to share
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

if [ "${SERVE_PROD_CLUSTER:-}" != 1 ]; then
    # The settings docs/deploy.md asks for, scaled to this machine (deploy/pg_settings.py).
    options=$("$BIN/python" -m deploy.pg_settings)
    mapfile -t settings <<< "$options"
    exec deploy/throwaway_pg.sh "${settings[@]}" env SERVE_PROD_CLUSTER=1 "$0" "$@"
fi

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/aduan-serve-prod.XXXXXX")
pids=()
names=()

stop_all() {
    local status=$?
    trap - EXIT INT TERM
    if ((${#pids[@]})); then
        echo "Stopping ${names[*]}"
        # SIGTERM: gunicorn's master stops its workers; sla_worker finishes its pass.
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
    if [ "$status" = 0 ]; then
        rm -rf "$run_dir"
    else
        echo "Logs kept in $run_dir"
    fi
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

start() {  # start NAME COMMAND…: in the background, output in $run_dir/NAME.log, its
    local name=$1  # database connections named aduan-NAME in pg_stat_activity
    shift
    DB_APPLICATION_NAME="aduan-$name" "$@" >"$run_dir/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
    echo "  $name: pid $! ($*)"
}

free_port() {
    "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the environment: what /etc/aduan/env holds in production (docs/deploy.md) -------------
database_url=$("$BIN/python" - <<'EOF'
import os
from urllib.parse import quote
parts = {k: quote(os.environ[k], safe="") for k in ("PGUSER", "PGPASSWORD", "PGHOST", "PGPORT",
                                                      "PGDATABASE")}
print("postgres://{PGUSER}:{PGPASSWORD}@{PGHOST}:{PGPORT}/{PGDATABASE}".format(**parts))
EOF
)
read -r port_a port_b <<<"${PORTS:-$(free_port) $(free_port)}"
export DJANGO_SETTINGS_MODULE=config.settings
export DEBUG=0
export SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL=$database_url
# The "replica": a second, read-only connection to the same database; each process names
# its connections to it aduan-NAME-replica (start, below), so that the check can see each
# server's statistics use it. In production: the streaming standby's address.
export DATABASE_REPLICA_URL="$database_url?options=-c%20default_transaction_read_only%3Don"
# Two app servers: throttles and cached statistics must be shared, here in PostgreSQL.
export CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache
export CACHE_LOCATION=aduan_cache
export STATIC_ROOT=$run_dir/static
export MEDIA_ROOT=$run_dir/media
export SITE_URL=http://127.0.0.1:$port_a
# Plain HTTP on loopback: no TLS-terminating proxy in front here, so no redirect to HTTPS.
# Every other production setting (HSTS, Secure cookies, CSP) stays as deployed.
export SECURE_SSL_REDIRECT=0
export LOG_LEVEL=INFO
export PYTHONUNBUFFERED=1

manage() { "$BIN/python" manage.py "$@"; }

echo "PostgreSQL $PGVERSION on $PGHOST:$PGPORT (throwaway, pg_virtualenv); work dir $run_dir"
echo "Preparing the database and the static files"
manage migrate --noinput >"$run_dir/migrate.log" 2>&1
manage createcachetable >>"$run_dir/migrate.log" 2>&1
manage collectstatic --noinput >"$run_dir/collectstatic.log" 2>&1
tail -n 1 "$run_dir/collectstatic.log"
# Expected here: security.W008, the HTTPS redirect switched off for plain HTTP on loopback.
manage check --deploy 2>&1 | grep -v '^AXES: ' | sed 's/^/  /'
manage seed_demo >"$run_dir/seed_demo.log" 2>&1
grep -E '^(Complaints created now|Password for every demo account)' "$run_dir/seed_demo.log" \
    | sed 's/^/  /'

echo "Starting two app servers and two SLA workers"
# Production's 60 s (docs/deploy.md) made short, so that the check of it takes seconds.
statement_timeout=5
for server in "a $port_a" "b $port_b"; do
    read -r name port <<<"$server"
    # 2 workers × 2 threads per server on this 2-core machine (docs/deploy.md, "Sizing").
    start "app-$name" env DB_STATEMENT_TIMEOUT="$statement_timeout" \
        "$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$port" \
        --workers 2 --worker-class gthread --threads 2 --timeout 60 --graceful-timeout 20 \
        --control-socket "$run_dir/app-$name.ctl" --access-logfile -
done
for n in 1 2; do
    start "worker-$n" "$BIN/python" manage.py sla_worker --interval 1
done

status=0
LOG_LEVEL=WARNING "$BIN/python" -m deploy.cooperation \
    --server "http://127.0.0.1:$port_a" --server "http://127.0.0.1:$port_b" \
    --app-name aduan-app-a --app-name aduan-app-b \
    --worker-log "$run_dir/worker-1.log" --worker-log "$run_dir/worker-2.log" \
    --statement-timeout "$statement_timeout" --due "${DUE:-300}" || status=$?

if [ "${KEEP:-0}" = 1 ]; then
    trap 'exit "$status"' INT TERM  # Ctrl-C: stop everything; the exit status is the check's
    echo
    echo "Serving on http://127.0.0.1:$port_a/ and http://127.0.0.1:$port_b/ (staff: /staff/,"
    echo "admin: /admin/; logins in $run_dir/seed_demo.log). Ctrl-C stops everything."
    wait "${pids[@]}" || true
fi
exit "$status"
