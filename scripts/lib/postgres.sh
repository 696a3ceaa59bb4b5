# Throwaway PostgreSQL cluster on loopback, for tests. Source this file, then
#   pg_start            # initdb + start on 127.0.0.1:<free port>, exports PG* variables
#   trap pg_stop EXIT   # stops the server and deletes the cluster whatever happened
# Settings (environment): IDSTITCH_PG_VERSION (default: newest installed, 15 on Debian 12),
# IDSTITCH_PG_ICU_LOCALE (default en-US: a linguistic default collation, so that every
# text ordering that has to be byte order is shown to say so; empty for libc C.UTF-8).
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.

_pg_log() { printf '[postgres] %s\n' "$*" >&2; }

_pg_bindir() {
    local wanted="${IDSTITCH_PG_VERSION:-}" dir
    if [[ -n "$wanted" && -x "/usr/lib/postgresql/$wanted/bin/initdb" ]]; then
        echo "/usr/lib/postgresql/$wanted/bin"; return 0
    fi
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then
        echo "$dir"; return 0
    fi
    return 1
}

_pg_install() {
    # Debian/Ubuntu: the distribution's server (15 on Debian 12).
    apt_install postgres \
        "PostgreSQL server binaries not found and not root: install the 'postgresql' package" \
        "installing the postgresql package (apt-get)" postgresql
}

# Runs a command as the cluster's owner (postgres when we are root, else ourselves).
_pg_as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u "$PG_OWNER" -- "$@"
    else
        "$@"
    fi
}

_pg_free_port() {
    python3 - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

pg_start() {
    local bindir port icu
    bindir="$(_pg_bindir)" || { _pg_install && bindir="$(_pg_bindir)"; } || {
        _pg_log "no PostgreSQL server found under /usr/lib/postgresql after installing"
        return 1
    }
    PG_BINDIR="$bindir"
    PG_OWNER="$(id -un)"
    if [[ "$(id -u)" == 0 ]]; then
        PG_OWNER=postgres
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
        fi
    fi
    PG_WORKDIR="$(mktemp -d /tmp/idstitch-pg.XXXXXX)"
    chmod 755 "$PG_WORKDIR"
    [[ "$(id -u)" == 0 ]] && chown "$PG_OWNER" "$PG_WORKDIR"
    port="$(_pg_free_port)"
    icu="${IDSTITCH_PG_ICU_LOCALE-en-US}"

    local major
    major="$("$bindir/postgres" --version | awk '{print $3}' | cut -d. -f1)"
    local -a locale_args=(--encoding=UTF8 --locale=C.UTF-8)
    if [[ -n "$icu" && "$major" -ge 15 ]]; then
        locale_args+=(--locale-provider=icu "--icu-locale=$icu")
    fi
    [[ "$major" -ge 15 ]] || icu=""
    _pg_log "initdb $("$bindir/postgres" --version | awk '{print $3}') in $PG_WORKDIR (${icu:-libc C.UTF-8} collation)"
    _pg_as_owner "$bindir/initdb" --pgdata="$PG_WORKDIR/data" --username=postgres \
        --auth=trust "${locale_args[@]}" >"$PG_WORKDIR/initdb.log" 2>&1 || {
        cat "$PG_WORKDIR/initdb.log" >&2
        return 1
    }
    # A throwaway cluster: durability off, loopback only, socket in the work dir.
    _pg_as_owner "$bindir/pg_ctl" --pgdata="$PG_WORKDIR/data" --log="$PG_WORKDIR/server.log" \
        --wait --timeout=60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_WORKDIR" \
        -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        -o "-c shared_buffers=256MB -c work_mem=64MB -c max_connections=40 -c timezone=UTC" \
        start >/dev/null || {
        cat "$PG_WORKDIR/server.log" >&2
        return 1
    }
    PG_STARTED=1
    export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGPASSWORD="" PGDATABASE=idstitch
    export PGSSLMODE=disable PGTZ=UTC
    "$bindir/createdb" --template=template0 idstitch
    _pg_log "server up on $PGHOST:$PGPORT, database $PGDATABASE"
}

pg_stop() {
    if [[ -n "${PG_STARTED:-}" ]]; then
        _pg_as_owner "$PG_BINDIR/pg_ctl" --pgdata="$PG_WORKDIR/data" --mode=fast --wait stop \
            >/dev/null 2>&1 || {
            # pg_ctl could not stop it: signal the postmaster we started, by its pid.
            local pid
            pid="$(head -n 1 "$PG_WORKDIR/data/postmaster.pid" 2>/dev/null || true)"
            _pg_log "pg_ctl stop failed; sending SIGQUIT to postmaster ${pid:-?}"
            [[ -n "$pid" ]] && kill -QUIT "$pid" 2>/dev/null || true
            sleep 1
        }
        PG_STARTED=""
        _pg_log "server stopped"
    fi
    if [[ -n "${PG_WORKDIR:-}" && -d "$PG_WORKDIR" && -z "${IDSTITCH_KEEP_WORKDIR:-}" ]]; then
        rm -rf "$PG_WORKDIR"
    fi
}
