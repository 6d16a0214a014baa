#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL from Debian's package (installed when missing, as root).
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1
  fi
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DATA=$(mktemp -d /tmp/classroom-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUN_AS=()
if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; RUN_AS=(runuser -u postgres --); fi
"${RUN_AS[@]}" "$BIN/initdb" -D "$DATA" -U classroom --auth=trust >/dev/null
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off" -w -l "$DATA/log" start >/dev/null
trap '"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null; rm -rf "$DATA"' EXIT
"${RUN_AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U classroom classroom
export DATABASE_URL="postgres://classroom@127.0.0.1:$PORT/classroom"
"$@"
