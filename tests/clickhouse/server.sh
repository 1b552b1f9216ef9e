#!/bin/sh
# tests/clickhouse/server.sh: owns a throw-away ClickHouse server for the
# tests and the bench. It runs clickhouse-server as an ordinary process (no
# systemd, no service; as root or not) with a config, users, data, tmp and log
# all inside one folder DIR, listening on 127.0.0.1 only.
#
#   server.sh start DIR                 start; print the HTTP port on stdout
#   server.sh stop DIR                  stop (TERM, bounded wait, KILL), remove DIR
#   server.sh load DIR CSV DB.TABLE [SCHEMA [CSVFORMAT]]
#                                       create DB and a MergeTree table, insert CSV
#   server.sh query DIR SQL             run SQL as user default, print the result
#   server.sh port DIR                  print the HTTP port
#
# Contract: `start` returns 0 only once http://127.0.0.1:PORT/ping answers
# "Ok." (wait bounded by CH_START_SECS, 60 s); on failure it says why in one
# sentence on stderr with the log's tail, leaves nothing running and returns
# 1. DIR holds: port (HTTP), tcp_port, pid, config.xml, users.xml, data/,
# tmp/, log/. Users: `default` with no password, and `analyst` with the
# password in DIR/analyst.password (made at start, 0600; CH_ANALYST_PASSWORD
# chooses it) for the authentication tests. system.query_log is on (log_queries=1) so the bench
# can read the server's own query times.
#
# Callers trap EXIT/INT/TERM and call `stop DIR`: a server must never outlive
# its test. `stop` is safe on a DIR whose server never started.
#
# ClickHouse 18.16 (Debian 12) notes, found by trying:
#  - config.xml must give <mark_cache_size> (without it: "Not found:
#    mark_cache_size", exit at start). <path>, <tmp_path>, <user_files_path>
#    and <format_schema_path> default to /var/lib/clickhouse/: given here so
#    nothing is written outside DIR (and a non-root user can start it).
#    <logger> to files in DIR; <listen_host> 127.0.0.1 (the default is every
#    address); <users_config> names DIR/users.xml.
#  - no IPv4 column type (it came in 19.x): addresses are String or UInt32
#    (then IPv4NumToString(col) gives the dotted text).
#  - DateTime and UInt64 columns; no DateTime64 (it came in 20.x).
#  - sleep(N) allows at most 3 seconds a block (sleepEachRow too, summed
#    over the block). A query longer than a timeout: sleep(1) in a WHERE runs
#    once a block, so a 300,000-row table takes 8 s (see the e2e test).
set -u

die() { printf '%s\n' "server.sh: $*" >&2; exit 1; }

# port_in_use PORT: something listens on 127.0.0.1:PORT or any address.
# Read from /proc/net/tcp{,6} (state 0A = LISTEN), so neither ss nor netstat
# is needed.
port_in_use() {
  hex=$(printf '%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p="$hex" '$4 == "0A" { n = split($2, a, ":"); if (a[n] == p) found = 1 } END { exit !found }'
}

# free_port: a port in 20000-59999 nothing listens on, picked at random so
# that parallel tests rarely race for one; the server's bind is the real test.
free_port() {
  i=0
  while [ $i -lt 200 ]; do
    p=$(awk -v s="$$$i$(date +%N)" 'BEGIN { srand(s % 2147483647); printf "%d", 20000 + int(rand() * 40000) }')
    port_in_use "$p" || { echo "$p"; return 0; }
    i=$((i + 1))
  done
  return 1
}

write_config() {
  d=$1; http=$2; tcp=$3
  cat > "$d/config.xml" <<EOF
<?xml version="1.0"?>
<!-- written by tests/clickhouse/server.sh: a test server, loopback only -->
<yandex>
    <logger>
        <level>information</level>
        <log>$d/log/server.log</log>
        <errorlog>$d/log/server.err.log</errorlog>
        <size>100M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>32</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$d/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <!-- nettui_two_shards: two shards on this one server, told apart by the
         database each reads, so a Distributed table over s1.T and s2.T can be
         tested without a second machine -->
    <remote_servers>
        <nettui_two_shards>
            <shard><replica><host>127.0.0.1</host><port>$tcp</port><default_database>s1</default_database></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>$tcp</port><default_database>s2</default_database></replica></shard>
        </nettui_two_shards>
    </remote_servers>
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
</yandex>
EOF
  cat > "$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <log_queries>1</log_queries>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <analyst>
            <password>$(cat "$d/analyst.password")</password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </analyst>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

alive() { [ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null; }

# http DIR QUERYSTRING [curl args...]: POST to the server as user default
http() {
  d=$1; qs=$2; shift 2
  curl -sS --max-time "${CH_QUERY_SECS:-600}" "http://127.0.0.1:$(cat "$d/port")/$qs" "$@"
}

# ping_ok DIR: /ping answers "Ok."
ping_ok() {
  [ "$(curl -s --max-time 2 "http://127.0.0.1:$(cat "$1/port")/ping" 2>/dev/null)" = "Ok." ]
}

# kill_server DIR: TERM, up to CH_STOP_SECS (20) for it to go, then KILL
kill_server() {
  d=$1
  [ -f "$d/pid" ] || return 0
  pid=$(cat "$d/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt $((${CH_STOP_SECS:-20} * 5)) ]; do sleep 0.2; i=$((i + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      echo "server.sh: clickhouse-server $pid did not stop on TERM in ${CH_STOP_SECS:-20} s: killed" >&2
      kill -KILL "$pid" 2>/dev/null
      sleep 0.2
    fi
  fi
  rm -f "$d/pid"
}

cmd_start() {
  d=$1
  command -v clickhouse-server > /dev/null || die "clickhouse-server is not installed (apt-get install clickhouse-server)."
  command -v curl > /dev/null || die "curl is not installed (apt-get install curl)."
  mkdir -p "$d" || die "cannot make $d."
  d=$(cd "$d" && pwd)
  alive "$d" && die "a server already runs from $d (pid $(cat "$d/pid"))."
  mkdir -p "$d/data" "$d/tmp" "$d/log" "$d/user_files" "$d/format_schemas" || die "cannot make folders in $d."
  # the analyst's password: random, never printed; tests read it from the
  # file. CH_ANALYST_PASSWORD sets it instead (a test of passwords holding
  # '@' or ':'); it goes into users.xml, so no XML markup characters.
  if [ -n "${CH_ANALYST_PASSWORD:-}" ]; then
    case $CH_ANALYST_PASSWORD in *[\<\>\&\"\']*) die "CH_ANALYST_PASSWORD must not hold < > & \" or '.";; esac
    ( umask 077; printf '%s' "$CH_ANALYST_PASSWORD" > "$d/analyst.password" )
  else
    ( umask 077; od -An -N12 -tx1 /dev/urandom | tr -d ' \n' > "$d/analyst.password" )
  fi
  tries=0
  while [ $tries -lt 3 ]; do
    tries=$((tries + 1))
    http=$(free_port) && tcp=$(free_port) || die "no free port found in 20000-59999."
    [ "$http" != "$tcp" ] || continue
    echo "$http" > "$d/port"; echo "$tcp" > "$d/tcp_port"
    write_config "$d" "$http" "$tcp"
    : > "$d/log/stdout"
    # as root, the server's files stay root's: it is our own process
    clickhouse-server --config-file="$d/config.xml" > "$d/log/stdout" 2>&1 &
    echo $! > "$d/pid"
    i=0
    while [ $i -lt $((${CH_START_SECS:-60} * 5)) ]; do
      ping_ok "$d" && { echo "$http"; return 0; }
      alive "$d" || break
      sleep 0.2; i=$((i + 1))
    done
    if alive "$d"; then
      kill_server "$d"
      echo "server.sh: clickhouse-server did not answer /ping on 127.0.0.1:$http within ${CH_START_SECS:-60} s; its log ends:" >&2
      tail -n 15 "$d/log/server.err.log" "$d/log/stdout" 2>/dev/null | sed 's/^/    /' >&2
      return 1
    fi
    rm -f "$d/pid"
    # lost a race for the port: try others; any other failure is final
    grep -q -i -E 'address already in use|Net Exception: Address' "$d/log/stdout" "$d/log/server.err.log" 2>/dev/null || break
  done
  echo "server.sh: clickhouse-server exited at start; its log ends:" >&2
  tail -n 15 "$d/log/server.err.log" "$d/log/stdout" 2>/dev/null | sed 's/^/    /' >&2
  return 1
}

cmd_stop() {
  d=$1
  [ -d "$d" ] || return 0
  kill_server "$d"
  rm -rf "$d"
}

# query DIR SQL: prints the result; a server error is one line on stderr, exit 1
cmd_query() {
  d=$1; sql=$2
  [ -f "$d/port" ] || die "no server in $d."
  out=$(http "$d" "" --data-binary "$sql" -w '\n%{http_code}') || die "cannot reach the server in $d."
  code=$(printf '%s\n' "$out" | tail -n 1)
  body=$(printf '%s\n' "$out" | sed '$d')
  [ "$code" = 200 ] || die "the server refused: $(printf '%s' "$body" | head -n 1 | cut -c1-300)"
  [ -z "$body" ] || printf '%s\n' "$body"
}

# The default schema matches nettui-gen's CSV: epoch ms, dotted addresses.
DEFAULT_SCHEMA='timestamp UInt64, src String, dst String, port UInt16, bytes UInt64'

# load DIR CSV DB.TABLE [SCHEMA [FORMAT]]: the table is made anew (dropped if
# there). FORMAT is CSV (default) or CSVWithNames; for CSV, the file's columns
# are the schema's in order. ORDER BY the first column (MergeTree needs one).
cmd_load() {
  d=$1; csv=$2; dt=$3; schema=${4:-$DEFAULT_SCHEMA}; fmt=${5:-CSV}
  [ -r "$csv" ] || die "cannot read $csv."
  case $dt in *.*) db=${dt%%.*}; table=${dt#*.};; *) die "the table must be DB.TABLE, not $dt.";; esac
  case $db$table in *[!A-Za-z0-9_]*) die "DB and TABLE must be letters, digits and _: $dt.";; esac
  first=$(printf '%s' "$schema" | sed 's/^ *\([A-Za-z0-9_]*\).*/\1/')
  cmd_query "$d" "CREATE DATABASE IF NOT EXISTS $db" || return 1
  cmd_query "$d" "DROP TABLE IF EXISTS $db.$table" || return 1
  cmd_query "$d" "CREATE TABLE $db.$table ($schema) ENGINE = MergeTree() ORDER BY $first" || return 1
  q=$(printf 'INSERT INTO %s.%s FORMAT %s' "$db" "$table" "$fmt" | sed 's/ /%20/g')
  out=$(http "$d" "?query=$q" -H 'Content-Type: text/csv' --data-binary "@$csv" -w '\n%{http_code}') ||
    die "cannot send $csv to the server."
  code=$(printf '%s\n' "$out" | tail -n 1)
  [ "$code" = 200 ] || die "inserting $csv into $dt failed: $(printf '%s\n' "$out" | head -n 1 | cut -c1-300)"
}

[ $# -ge 2 ] || die "usage: server.sh start|stop|port DIR | load DIR CSV DB.TABLE [SCHEMA [FORMAT]] | query DIR SQL"
cmd=$1; shift
case $cmd in
  start) cmd_start "$1";;
  stop) cmd_stop "$1";;
  port) cat "$1/port";;
  query) [ $# = 2 ] || die "usage: server.sh query DIR SQL"; cmd_query "$1" "$2";;
  load) [ $# -ge 3 ] || die "usage: server.sh load DIR CSV DB.TABLE [SCHEMA [FORMAT]]"; cmd_load "$@";;
  *) die "unknown command $cmd (start, stop, load, query, port).";;
esac
