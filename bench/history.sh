#!/bin/sh
# bench/history.sh: mkt-journal's history tables (lib/history) against the
# seed's approach, in one run on one stream.
#
# The stream: gen-bands, minute bands events as mkt-depth --interval 1m
# writes them, for BENCH_SYMBOLS (100) symbols x BENCH_MARKETS (2) markets
# x 6 bands over BENCH_DAYS (30) days: 8.64 M events, 51.84 M minute rows
# at the defaults.  It is generated on the fly into each loader (the
# generator alone is timed first; it runs beside the loader on the other
# CPU).
#
#   mkt        hist-load: history_add() per event in transactions of
#              BENCH_BATCH (10000) events, history_flush() before each
#              COMMIT, as mkt-journal does: minute rows clustered by
#              series (WITHOUT ROWID), hourly and daily rollups kept up to
#              date
#   SQLite     the seed's approach: every band a plain row (venue, market,
#              symbol, pct, minute, four values, complete) of one table
#              with a unique index on (venue, market, symbol, pct, minute),
#              the same parser, transactions and cache (64 MiB)
#   PostgreSQL the same plain rows and index in PostgreSQL 15, when
#              /usr/lib/postgresql/15/bin is there (apt-get install
#              postgresql): a cluster made with initdb in a temporary
#              directory, started on 127.0.0.1 on a free port, loaded with
#              COPY (its fastest path) from hist-load --csv, stopped and
#              removed at the end
#
# Reported: load time, rows/s, size on disk (database file after a WAL
# checkpoint; PostgreSQL: pg_total_relation_size of the table and its
# index, and du of the whole cluster), each as a ratio to mkt; then query
# times (median of BENCH_RUNS, 7): a 30-day hourly series and a 1-day
# minute series of one band (the plain stores GROUP BY / select over their
# index), latest and symbols.  Each database is removed once measured
# (BENCH_KEEP=1 keeps them in bench/out/history/).
#
# Disk: about 3.3 GB (mkt), 6.6 GB (SQLite), 9 GB (PostgreSQL) at 30
# days, one at a time.  Time: about 20 minutes at 30 days on 2 CPUs.
# BENCH_PG=0 skips PostgreSQL.  Results: standard output and
# bench/out/history-results.txt.
#
# Run by bench/journal.sh (make bench), it is also given the journal that
# `mkt-journal append` made of the same stream: BENCH_JOURNAL_DIR (its
# index.db then answers the mkt queries), BENCH_JOURNAL_SECONDS (the
# append's wall time), BENCH_JOURNAL_SEG_BYTES and
# BENCH_JOURNAL_INDEX_BYTES.  The table then starts with that append, and
# the ratios are to it: time to its wall time, size to its index.db (the
# frame index and the history tables, what the plain rows stand for; the
# journal also keeps every event, in its segments, shown apart).
# BENCH_HISTLOAD=0 then skips the hist-load run.
#
# Measured 2026-11-23 at the defaults (2 vCPUs shared, load about 2):
#
#   load                        seconds  rows/s     MB  bytes/row  time x  size x
#   mkt (minutes + rollups)         610   84984   3168       61.1    1.00    1.00
#   SQLite plain rows + index       624   83059   6667      128.6    1.02    2.10
#   PostgreSQL 15 COPY + index      503  103024  11736      226.4    0.82    3.70
#     (whole cluster, du)                        12834      247.6            4.05
#
#   queries, median of 7 (ms)       mkt  SQLite plain  PostgreSQL
#   30-day hourly series           1.27         164.7       142.4
#   1-day minute series            1.65           5.8         0.9
#   latest / symbols, 200 symbols  13.6 / 18.8
#
# At 3 days mkt loaded 136 000 rows/s, 1.45x the plain SQLite rows and
# 1.44x PostgreSQL's COPY: the rollups' pages (one hour and one day row
# per series touched in every transaction) weigh more as the tables grow.
set -u
cd "$(dirname "$0")/.." || exit 1

TOOLS=${MKT_TOOLS:-build/tools}
DAYS=${BENCH_DAYS:-30}
SYMBOLS=${BENCH_SYMBOLS:-100}
MARKETS=${BENCH_MARKETS:-2}
BATCH=${BENCH_BATCH:-10000}
RUNS=${BENCH_RUNS:-7}
PG=${BENCH_PG:-1}
KEEP=${BENCH_KEEP:-0}
JDIR=${BENCH_JOURNAL_DIR:-}
J_S=${BENCH_JOURNAL_SECONDS:-}
J_SEG=${BENCH_JOURNAL_SEG_BYTES:-0}
J_IDX=${BENCH_JOURNAL_INDEX_BYTES:-}
HISTLOAD=${BENCH_HISTLOAD:-1}
PGBIN=/usr/lib/postgresql/15/bin
AS=
OUT=bench/out/history
RESULTS=bench/out/history-results.txt
START=1700000000000

die() {
	echo "bench/history: $*" >&2
	exit 1
}

for v in DAYS SYMBOLS MARKETS BATCH RUNS; do
	eval "x=\$$v"
	case $x in
	''|*[!0-9]*|0) echo "bench/history: BENCH_$v: not a number >= 1" >&2
		exit 2 ;;
	esac
done
[ -x "$TOOLS/gen-bands" ] && [ -x "$TOOLS/hist-load" ] ||
	die "$TOOLS/gen-bands, hist-load not built (run make first)"
command -v python3 >/dev/null || die "python3 needed"
if [ -n "$JDIR" ]; then
	[ -f "$JDIR/index.db" ] || die "$JDIR/index.db: no journal"
	[ -n "$J_S" ] && [ -n "$J_IDX" ] ||
		die "BENCH_JOURNAL_DIR needs BENCH_JOURNAL_SECONDS and _INDEX_BYTES"
else
	HISTLOAD=1
fi
mkdir -p "$OUT" || die "cannot create $OUT"
rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm

GEN="$TOOLS/gen-bands --symbols $SYMBOLS --markets $MARKETS --days $DAYS"
EVENTS=$((SYMBOLS * MARKETS * DAYS * 1440))
ROWS=$((EVENTS * 6))
END=$((START / 60000 * 60000 + DAYS * 86400000 - 60000))
DAY1=$((END - 86400000 + 60000))

now_ns() {
	date +%s%N
}

# secs NS0 NS1: the seconds between, 3 decimals.
secs() {
	python3 -c "import sys; print('%.3f' % ((int(sys.argv[2]) - int(sys.argv[1])) / 1e9))" "$1" "$2"
}

# ratio A B: A / B, 2 decimals.
ratio() {
	python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b) if b else '-')" "$1" "$2"
}

size_of() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

val() {
	sed -n "s/^$1=//p" "$2" | tail -1
}

TABLE=$OUT/results.tmp
: >"$TABLE"
out() {
	tee -a "$TABLE"
}

echo "history: $SYMBOLS symbols x $MARKETS markets x 6 bands, $DAYS days:" \
	"$EVENTS events, $ROWS minute rows" | out
echo "(BENCH_DAYS=$DAYS, transactions of $BATCH events, 64 MiB page cache;" \
	"$(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))" | out

t0=$(now_ns)
$GEN >/dev/null || die "gen-bands failed"
t1=$(now_ns)
GENS=$(secs "$t0" "$t1")
echo "generator alone: $GENS s" | out

# bytes_1m DB: the bytes of the minute rows' table.
bytes_1m() {
	python3 -c "
import sqlite3, sys
db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
try:
    print(db.execute(\"SELECT sum(pgsize) FROM dbstat WHERE name = 'bands_1m'\").fetchone()[0])
except sqlite3.Error:
    print(0)" "$1"
}

# ---- mkt ----
MKT_S=- MKT_SIZE=-
DB=$OUT/mkt.db
if [ "$HISTLOAD" = 1 ]; then
	echo "loading mkt ..." >&2
	$GEN | "$TOOLS/hist-load" --batch "$BATCH" "$DB" 2>"$OUT/mkt.err" ||
		die "hist-load failed: $(tail -1 "$OUT/mkt.err")"
	MKT_S=$(val seconds "$OUT/mkt.err")
	MKT_ROWS=$(val minutes_new "$OUT/mkt.err")
	[ "$MKT_ROWS" = "$ROWS" ] ||
		die "mkt: $MKT_ROWS minute rows, want $ROWS"
	MKT_SIZE=$(($(size_of "$DB") + $(size_of "$DB-wal")))
	MKT_1M=$(bytes_1m "$DB")
fi
# The mkt queries run on the journal's index.db when there is one.
if [ -n "$JDIR" ]; then
	[ "$KEEP" = 1 ] || rm -f "$DB" "$DB-wal" "$DB-shm"
	DB=$JDIR/index.db
	MKT_1M=$(bytes_1m "$DB")
	BASE_S=$J_S BASE_SIZE=$J_IDX
else
	BASE_S=$MKT_S BASE_SIZE=$MKT_SIZE
fi

# q DB TOOLARGS... : the median query time in ms.
q() {
	_db=$1
	shift
	"$TOOLS/hist-load" "$@" --repeat "$RUNS" 2>&1 >/dev/null |
		sed -n 's/^query_ms=//p'
}

SER="--venue binance --market spot --symbol BTCUSDT --pct 1.5 --field bid_value"
MKT_QH=$(q "$DB" "$DB" query series $SER --resolution hour --from $START --to $END)
MKT_QM=$(q "$DB" "$DB" query series $SER --resolution minute --from $DAY1 --to $END)
MKT_QA=$(q "$DB" "$DB" query series $SER --from $START --to $END)
MKT_QL=$(q "$DB" "$DB" query latest)
MKT_QS=$(q "$DB" "$DB" query symbols)
HOURS=$("$TOOLS/hist-load" "$DB" query series $SER --resolution hour --from $START --to $END 2>/dev/null | wc -l)
MINS=$("$TOOLS/hist-load" "$DB" query series $SER --resolution minute --from $DAY1 --to $END 2>/dev/null | wc -l)
[ "$KEEP" = 1 ] || [ -n "$JDIR" ] || rm -f "$DB" "$DB-wal" "$DB-shm"

# ---- SQLite plain rows ----
DB=$OUT/plain.db
echo "loading SQLite plain rows ..." >&2
$GEN | "$TOOLS/hist-load" --plain --batch "$BATCH" "$DB" 2>"$OUT/plain.err" ||
	die "hist-load --plain failed: $(tail -1 "$OUT/plain.err")"
SQ_S=$(val seconds "$OUT/plain.err")
SQ_SIZE=$(($(size_of "$DB") + $(size_of "$DB-wal")))
SQ_QH=$(q "$DB" --plain "$DB" query series $SER --resolution hour --from $START --to $END)
SQ_QM=$(q "$DB" --plain "$DB" query series $SER --resolution minute --from $DAY1 --to $END)
[ "$KEEP" = 1 ] || rm -f "$DB" "$DB-wal" "$DB-shm"

# ---- PostgreSQL ----
PG_S=- PG_SIZE=- PG_DU=- PG_QH=- PG_QM=- PG_NOTE=
PGDIR=
pg_stop() {
	if [ -n "$PGDIR" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
		$AS "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop \
			>/dev/null 2>&1
	fi
	[ -n "$PGDIR" ] && [ "$KEEP" != 1 ] && rm -rf "$PGDIR"
}
trap 'pg_stop' EXIT
trap 'exit 1' INT TERM

# psql_ms SQL: the median of RUNS runs of SQL, by psql's \timing.
psql_ms() {
	_i=0
	{
		printf '%s\n' '\timing on'
		while [ $_i -lt "$RUNS" ]; do
			printf '%s\n' "$1"
			_i=$((_i + 1))
		done
	} | $PSQL -q -o /dev/null 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' |
		sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

if [ "$PG" = 1 ] && [ -x "$PGBIN/initdb" ]; then
	echo "loading PostgreSQL ..." >&2
	AS=
	if [ "$(id -u)" = 0 ]; then
		# PostgreSQL refuses to run as root.
		id postgres >/dev/null 2>&1 || die "no user postgres to run as"
		AS="runuser -u postgres --"
	fi
	PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/mkt-bench-pg.XXXXXX") ||
		die "mktemp failed"
	chmod 755 "$PGDIR"
	[ -n "$AS" ] && chown postgres "$PGDIR"
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	$AS "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 \
		--no-sync >"$PGDIR/initdb.log" 2>&1 ||
		die "initdb failed: $(tail -3 "$PGDIR/initdb.log")"
	$AS "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -o \
		"-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR" start \
		>/dev/null 2>&1 || die "pg_ctl start failed: $(tail -3 "$PGDIR/log")"
	PSQL="$PGBIN/psql -X -h 127.0.0.1 -p $PORT -U postgres -d postgres -v ON_ERROR_STOP=1"
	$PSQL -q -c "CREATE TABLE bands_minute(time bigint NOT NULL,
		venue text NOT NULL, market text NOT NULL, symbol text NOT NULL,
		pct double precision NOT NULL,
		bid_qty double precision NOT NULL, ask_qty double precision NOT NULL,
		bid_value double precision NOT NULL,
		ask_value double precision NOT NULL, complete boolean NOT NULL);
		CREATE UNIQUE INDEX bands_minute_key ON
		bands_minute(venue, market, symbol, pct, time)" ||
		die "psql: create failed"
	t0=$(now_ns)
	$GEN | "$TOOLS/hist-load" --csv 2>/dev/null | $PSQL -q -c "COPY
		bands_minute(venue, market, symbol, pct, time, bid_qty, ask_qty,
		bid_value, ask_value, complete) FROM STDIN WITH (FORMAT csv)" ||
		die "COPY failed"
	t1=$(now_ns)
	PG_S=$(secs "$t0" "$t1")
	$PSQL -q -c "CHECKPOINT" >/dev/null
	n=$($PSQL -At -c "SELECT count(*) FROM bands_minute")
	[ "$n" = "$ROWS" ] || die "PostgreSQL: $n rows, want $ROWS"
	PG_SIZE=$($PSQL -At -c "SELECT pg_total_relation_size('bands_minute')")
	PG_DU=$(($(du -sk "$PGDIR/data" | cut -f1) * 1024))
	$PSQL -q -c "ANALYZE bands_minute" >/dev/null
	PG_QH=$(psql_ms "SELECT time / 3600000 * 3600000 AS t, avg(bid_value)
		FROM bands_minute WHERE venue = 'binance' AND market = 'spot'
		AND symbol = 'BTCUSDT' AND pct = 1.5 AND time BETWEEN $START
		AND $END GROUP BY t ORDER BY t;")
	PG_QM=$(psql_ms "SELECT time, bid_value FROM bands_minute WHERE
		venue = 'binance' AND market = 'spot' AND symbol = 'BTCUSDT'
		AND pct = 1.5 AND time BETWEEN $DAY1 AND $END ORDER BY time;")
	pg_stop
	PGDIR=
elif [ "$PG" = 1 ]; then
	PG_NOTE="PostgreSQL 15 not installed ($PGBIN): apt-get install postgresql"
fi

# ---- the table ----
mb() {
	python3 -c "import sys; print('%.0f' % (int(sys.argv[1]) / 1e6))" "$1"
}
rps() {
	python3 -c "import sys; print('%.0f' % (int(sys.argv[1]) / float(sys.argv[2])))" "$ROWS" "$1"
}
bpr() {
	python3 -c "import sys; print('%.1f' % (int(sys.argv[1]) / int(sys.argv[2])))" "$1" "$ROWS"
}
F='%-38s %9s %9s %8s %9s %8s %8s\n'
{
echo
printf "$F" "load" "seconds" "rows/s" "MB" "bytes/row" "time x" "size x"
if [ -n "$JDIR" ]; then
	printf "$F" "mkt-journal append: index.db" "$J_S" "$(rps "$J_S")" \
		"$(mb "$J_IDX")" "$(bpr "$J_IDX")" 1.00 1.00
	printf "$F" "  + segments (every event, zstd)" "" "" "$(mb "$J_SEG")" \
		"$(bpr "$J_SEG")" "" ""
	printf "$F" "  = the journal directory" "" "" \
		"$(mb $((J_SEG + J_IDX)))" "$(bpr $((J_SEG + J_IDX)))" "" \
		"$(ratio $((J_SEG + J_IDX)) "$J_IDX")"
fi
if [ "$MKT_S" != - ]; then
	printf "$F" "history tables alone (hist-load)" \
		"$MKT_S" "$(rps "$MKT_S")" "$(mb "$MKT_SIZE")" \
		"$(bpr "$MKT_SIZE")" "$(ratio "$MKT_S" "$BASE_S")" \
		"$(ratio "$MKT_SIZE" "$BASE_SIZE")"
fi
printf "$F" "SQLite plain rows + index" \
	"$SQ_S" "$(rps "$SQ_S")" "$(mb "$SQ_SIZE")" "$(bpr "$SQ_SIZE")" \
	"$(ratio "$SQ_S" "$BASE_S")" "$(ratio "$SQ_SIZE" "$BASE_SIZE")"
if [ "$PG_S" != - ]; then
	printf "$F" "PostgreSQL 15 COPY + index" "$PG_S" "$(rps "$PG_S")" \
		"$(mb "$PG_SIZE")" "$(bpr "$PG_SIZE")" \
		"$(ratio "$PG_S" "$BASE_S")" "$(ratio "$PG_SIZE" "$BASE_SIZE")"
	printf "$F" "  (whole cluster directory, du)" "" "" "$(mb "$PG_DU")" \
		"$(bpr "$PG_DU")" "" "$(ratio "$PG_DU" "$BASE_SIZE")"
fi
[ -n "$PG_NOTE" ] && echo "$PG_NOTE"
if [ -n "$JDIR" ]; then
	echo "(time x, size x: to the mkt-journal append and its index.db;" \
		"the append's time includes"
	echo " compressing and syncing the segments, and the generator beside" \
		"it, as for the others)"
	echo "mkt-journal index.db: minute rows $(mb "$MKT_1M") MB, rollups," \
		"frame index and the rest $(mb $((J_IDX - MKT_1M))) MB"
else
	echo "mkt: minute rows $(mb "$MKT_1M") MB, rollups and the rest" \
		"$(mb $((MKT_SIZE - MKT_1M))) MB"
fi
echo
if [ -n "$JDIR" ]; then
	QM="mkt-journal"
else
	QM=mkt
fi
printf '%-40s %11s %13s %11s\n' "queries in-process, median of $RUNS (ms)" \
	"$QM" "SQLite plain" "PostgreSQL"
printf '%-40s %11s %13s %11s\n' "$DAYS-day hourly series ($HOURS points)" \
	"$MKT_QH" "$SQ_QH" "$PG_QH"
printf '%-40s %11s %13s %11s\n' "1-day minute series ($MINS points)" \
	"$MKT_QM" "$SQ_QM" "$PG_QM"
printf '%-40s %11s\n' "$DAYS-day series, resolution auto" "$MKT_QA"
printf '%-40s %11s\n' "latest, $((SYMBOLS * MARKETS)) symbols" "$MKT_QL"
printf '%-40s %11s\n' "symbols, $((SYMBOLS * MARKETS)) symbols" "$MKT_QS"
} | out
mv "$TABLE" "$RESULTS"
