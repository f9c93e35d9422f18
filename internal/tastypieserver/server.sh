#!/usr/bin/env bash
# Reference Torrent Server (real django-tastypie) for tsapi's integration tests.
#
#   server.sh install        apt-get the Debian packages (only those missing)
#   server.sh start [PORT]   fresh SQLite DB, migrate, load testdata/seed.json,
#                            gunicorn on 127.0.0.1:PORT (default 8765) in the
#                            background; prints TSAPI_TEST_SERVER=http://127.0.0.1:PORT
#   server.sh stop           stop it (and remove its temp dir)
#   server.sh reset          reload the seed into the running server's DB
#                            (same as: curl -X POST $TSAPI_TEST_SERVER/_test/reset/)
#   server.sh status         running or not
#
# State lives in $TSAPI_SERVER_STATE (default /tmp/tsapi-tastypieserver):
# server.pid, port, db dir path, gunicorn.log.  Idempotent: start on a running
# server restarts it; stop on a stopped one does nothing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
STATE="${TSAPI_SERVER_STATE:-/tmp/tsapi-tastypieserver}"
PIDFILE="$STATE/server.pid"
LOG="$STATE/gunicorn.log"
SEED="${TSAPI_SEED:-$REPO/testdata/seed.json}"
PACKAGES=(python3-django python3-django-tastypie gunicorn python3-gunicorn python3-requests python3-six python3-dateutil curl)

die() { echo "server.sh: $*" >&2; exit 1; }

missing_packages() {
  local p out=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out+=("$p")
  done
  echo "${out[@]:-}"
}

cmd_install() {
  local missing
  missing="$(missing_packages)"
  if [ -z "$missing" ]; then
    echo "server.sh: packages already installed"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "need root to apt-get install: $missing"
  echo "server.sh: installing $missing"
  if ! apt-get update >"/tmp/tsapi-apt-update.log" 2>&1; then
    tail -20 /tmp/tsapi-apt-update.log >&2; die "apt-get update failed"
  fi
  # shellcheck disable=SC2086
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >"/tmp/tsapi-apt-install.log" 2>&1; then
    tail -20 /tmp/tsapi-apt-install.log >&2; die "apt-get install failed: $missing"
  fi
  missing="$(missing_packages)"
  [ -z "$missing" ] || die "still missing after install: $missing"
  echo "server.sh: installed"
}

check_installed() {
  local missing
  missing="$(missing_packages)"
  [ -z "$missing" ] || die "missing Debian packages: $missing (run: $0 install)"
  [ -x "$PY" ] || die "$PY not found"
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_free() {
  "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
sys.exit(0)
EOF
}

manage() {
  (cd "$HERE" && TSAPI_DB_PATH="$DB" TSAPI_SEED="$SEED" PYTHONDONTWRITEBYTECODE=1 "$PY" manage.py "$@")
}

cmd_stop() {
  local pid
  if pid="$(running_pid)"; then
    # gunicorn was started with setsid: its master leads its own process
    # group, so the group holds exactly the master and its workers.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "server.sh: stopped (pid $pid)"
  fi
  rm -f "$PIDFILE"
  if [ -f "$STATE/port" ]; then
    # Wait until the listening socket is gone.
    local port
    port="$(cat "$STATE/port")"
    for _ in $(seq 1 100); do
      port_free "$port" && break
      sleep 0.1
    done
  fi
  if [ -f "$STATE/dbdir" ]; then
    local d
    d="$(cat "$STATE/dbdir")"
    case "$d" in /tmp/*|"${TMPDIR:-/tmp}"/*) rm -rf "$d" ;; esac
    rm -f "$STATE/dbdir"
  fi
}

cmd_start() {
  local port="${1:-${TSAPI_TEST_PORT:-8765}}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port: $port"
  check_installed
  [ -f "$SEED" ] || die "seed file not found: $SEED (run: $PY $HERE/gen_seed.py)"
  mkdir -p "$STATE"
  cmd_stop >/dev/null
  port_free "$port" || die "port $port on 127.0.0.1 is already in use"

  local dbdir
  dbdir="$(mktemp -d "${TMPDIR:-/tmp}/tsapi-tsdb.XXXXXX")"
  echo "$dbdir" >"$STATE/dbdir"
  DB="$dbdir/db.sqlite3"
  manage migrate --noinput >"$STATE/migrate.log" 2>&1 || { tail -30 "$STATE/migrate.log" >&2; die "migrate failed"; }
  manage loadseed "$SEED" >>"$STATE/migrate.log" 2>&1 || { tail -30 "$STATE/migrate.log" >&2; die "loading the seed failed"; }

  echo "$port" >"$STATE/port"
  : >"$LOG"
  # setsid: gunicorn's master leads a process group of its own (stop kills
  # that group).  -w: should setsid have to fork, $! still lives exactly as
  # long as gunicorn.
  TSAPI_DB_PATH="$DB" TSAPI_SEED="$SEED" PYTHONDONTWRITEBYTECODE=1 \
    setsid -w "$PY" -m gunicorn tsref.wsgi:application --chdir "$HERE" \
      --bind "127.0.0.1:$port" --workers 3 --timeout 120 \
      --access-logfile - --error-logfile - --log-level info \
      --pid "$PIDFILE" </dev/null >>"$LOG" 2>&1 &
  local gpid=$!

  local url="http://127.0.0.1:$port" code=""
  for _ in $(seq 1 600); do
    kill -0 "$gpid" 2>/dev/null || break
    code="$(curl -s -o /dev/null -w '%{http_code}' -u ionadmin:ionadmin "$url/rundb/api/v1/PluginResultJob/schema/" 2>/dev/null || true)"
    [ "$code" = 200 ] && break
    sleep 0.1
  done
  if [ "$code" != 200 ]; then
    if kill -0 "$gpid" 2>/dev/null; then
      echo "server.sh: server did not answer on $url within 60 s (last status: ${code:-none}); log tail:" >&2
    else
      echo "server.sh: gunicorn exited before answering on $url; log tail:" >&2
    fi
    tail -40 "$LOG" >&2 || true
    kill -TERM "$gpid" 2>/dev/null || true
    cmd_stop >/dev/null 2>&1 || true
    exit 1
  fi
  echo "TSAPI_TEST_SERVER=$url"
}

cmd_reset() {
  local port url
  running_pid >/dev/null || die "server is not running"
  port="$(cat "$STATE/port")"
  url="http://127.0.0.1:$port/_test/reset/"
  curl -sf -X POST "$url" >/dev/null || die "reset failed ($url)"
  echo "server.sh: reset"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running pid $pid TSAPI_TEST_SERVER=http://127.0.0.1:$(cat "$STATE/port")"
  else
    echo "not running"; return 1
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  *) echo "usage: $0 {install|start [PORT]|stop|reset|status}" >&2; exit 2 ;;
esac
