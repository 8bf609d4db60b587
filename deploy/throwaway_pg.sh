#!/usr/bin/env bash
# deploy/throwaway_pg.sh [pg_virtualenv options] CMD…
#
# CMD on a throwaway PostgreSQL cluster (pg_virtualenv -t: PGHOST, PGPORT, PGUSER, PGPASSWORD
# and PGDATABASE set; the cluster removed on exit), for make test, make bench and
# make serve-prod. The cluster is UTF8 whatever the caller's locale: without a UTF-8 one,
# initdb makes SQL_ASCII, where an event's JSON with a character beyond ASCII fails
# (docs/deploy.md).
exec pg_virtualenv -t -c "--encoding=UTF8 --locale=C.UTF-8" "$@"
