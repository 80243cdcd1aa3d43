/*
 * mkt-journal append: events in, made durable at every --sync, with the
 * history tables kept, acks, --stats and --metrics.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "prog/err.h"
#include "prog/metrics.h"
#include "prog/notify.h"
#include "io/in.h"
#include "io/nats.h"
#include "store/jhistory.h"
#include "io/out.h"
#include "io/sig.h"
#include "base/timeutil.h"

#include "journal.h"

struct appender {
	const struct opts *o;
	struct journal *j;
	struct jhistory *hist;
	struct out *ack;
	struct buf ab;
	unsigned long rejected;
	struct journal_status acked;	/* as the last ack said */
	unsigned long acked_rejected;
	uint64_t acked_stream_seq;
	int acks;			/* ack lines sent */
	int64_t started;		/* mono ms */
	uint64_t stats_events;		/* at the last --stats line */
	int64_t stats_at;
	struct notify sd;		/* systemd's READY and watchdog */
	struct metrics ms;		/* --metrics */
	long lines;			/* input lines read */
	unsigned long syncs;
	int64_t sync_us, last_sync_us;	/* in all; the last one */

	/* A nats: input (mkt(7), NATS): where the journal stands in the
	 * stream, kept in the index with every sync (journal_set_mark). */
	struct in *in;
	int nats;
	char mark_key[100];
	uint64_t skip;		/* events read again that the journal has */
	uint64_t cur_seq;	/* stream seq of the message being read */
	uint64_t done_seq;	/* the last message read whole ... */
	uint64_t done_jseq;	/* ... and the journal seq after its events */
	uint64_t stream_seq;	/* the last stream seq made durable */
	unsigned unsynced;	/* lines appended since the last sync */
};

static void
send_ack(struct appender *a)
{
	struct journal_status st;

	if (!a->ack)
		return;
	journal_status(a->j, &st);
	/* Nothing new since the last ack: no line. */
	if (a->acks && st.durable_seq == a->acked.durable_seq &&
	    st.durable == a->acked.durable &&
	    a->rejected == a->acked_rejected &&
	    a->stream_seq == a->acked_stream_seq)
		return;
	a->acked_stream_seq = a->stream_seq;
	a->acked = st;
	a->acked_rejected = a->rejected;
	a->acks++;
	buf_reset(&a->ab);
	buf_adds(&a->ab, "{\"type\":\"status\",\"source\":\"mkt-journal\","
	    "\"state\":\"durable\",\"seq\":");
	buf_addi(&a->ab, (int64_t)st.durable_seq);
	buf_adds(&a->ab, ",\"count\":");
	buf_addi(&a->ab, (int64_t)st.durable);
	buf_adds(&a->ab, ",\"rejected\":");
	buf_addi(&a->ab, (int64_t)a->rejected);
	if (a->nats) {
		buf_adds(&a->ab, ",\"stream_seq\":");
		buf_addi(&a->ab, (int64_t)a->stream_seq);
	}
	if (st.has & EV_HAS_TIME) {
		buf_adds(&a->ab, ",\"last_time\":");
		buf_addi(&a->ab, st.last_time);
	}
	if (st.has & EV_HAS_RECV) {
		buf_adds(&a->ab, ",\"last_recv\":");
		buf_addi(&a->ab, st.last_recv);
	}
	/* A status carries the local clock's time, as every status does. */
	buf_adds(&a->ab, ",\"time\":");
	buf_addi(&a->ab, time_now_ms());
	buf_adds(&a->ab, "}\n");
	if (buf_failed(&a->ab))
		die_nomem();
	if (out_write(a->ack, a->ab.p, a->ab.len) < 0 ||
	    out_flush(a->ack) < 0) {
		if (errno != EPIPE)
			die_errno("cannot write acks to '%s'", a->o->ack);
		/* The reader of the acks left: journal on without them. */
		warn("the reader of '%s' left: no more acks", a->o->ack);
		if (out_close(a->ack) < 0) {
			/* EPIPE again: nothing to add. */
		}
		a->ack = NULL;
	}
}

/* The journal seq of the event the line just read is (or was). */
static uint64_t
line_jseq(const struct appender *a)
{
	struct journal_status st;

	journal_status(a->j, &st);
	return st.next_seq - a->skip;
}

/* A line of a nats: input was read: a message before it is whole. */
static void
track_message(struct appender *a)
{
	uint64_t seq = in_seq(a->in);

	if (seq == a->cur_seq)
		return;
	if (a->cur_seq) {
		a->done_seq = a->cur_seq;
		a->done_jseq = line_jseq(a);
	}
	a->cur_seq = seq;
}

/* Before a sync: the stream position it makes durable. */
static void
mark_position(struct appender *a)
{
	if (a->cur_seq && in_done_seq(a->in) >= a->cur_seq) {
		a->done_seq = a->cur_seq;
		a->done_jseq = line_jseq(a);
	}
	if (a->done_seq)
		journal_set_mark(a->j, a->mark_key, a->done_seq,
		    a->done_jseq);
}

static void
sync_or_die(struct appender *a)
{
	struct journal_status st;
	int64_t t0;
	int r;

	if (a->nats)
		mark_position(a);
	t0 = time_mono_us();
	r = journal_sync(a->j);
	a->unsynced = 0;
	/* What the journal holds, the stream may forget. */
	if (r >= 0 && a->nats && a->done_seq > a->stream_seq) {
		in_ack(a->in, a->done_seq);
		a->stream_seq = a->done_seq;
	}

	if (r < 0 && jhistory_error(a->hist)[0])
		die("'%s': %s", a->o->dir, jhistory_error(a->hist));
	if (r < 0)
		die_errno("%s", journal_error(a->j));
	if (r > 0) {
		a->syncs++;
		a->last_sync_us = time_mono_us() - t0;
		a->sync_us += a->last_sync_us;
		send_ack(a);
		journal_status(a->j, &st);
		/* systemctl status shows where the journal stands. */
		notify_status(&a->sd, "durable below seq %" PRIu64 ", %lu "
		    "rejected", st.durable_seq, a->rejected);
	}
}

/* --metrics: the journal's counters, written whole. */
static void
write_metrics(struct appender *a)
{
	struct metrics_opts mo = { 0, a->o->metrics };
	struct journal_status st;
	int rc = 0;

	if (!mo.file)
		return;
	journal_status(a->j, &st);
#define C(name, help, v) rc |= metrics_set(&a->ms, METRIC_COUNTER, name, \
	    help, NULL, NULL, (double)(v))
	C("mkt_events_in_total", "Input lines read.", a->lines);
	C("mkt_bad_lines_total", "Input lines refused as bad.", a->rejected);
	C("mkt_journal_events_total", "Events appended.", st.appended);
	C("mkt_journal_durable_events_total", "Events appended and synced.",
	    st.durable);
	C("mkt_journal_raw_bytes_total", "Bytes of the events appended.",
	    st.raw_bytes);
	C("mkt_journal_bytes_total", "Compressed bytes written.", st.bytes);
	C("mkt_journal_syncs_total", "Syncs that made events durable.",
	    a->syncs);
	C("mkt_journal_sync_seconds_total", "Time spent in those syncs.",
	    a->sync_us / 1e6);
#undef C
	rc |= metrics_set(&a->ms, METRIC_GAUGE, "mkt_journal_last_sync_seconds",
	    "Duration of the last sync.", NULL, NULL, a->last_sync_us / 1e6);
	rc |= metrics_set(&a->ms, METRIC_GAUGE, "mkt_journal_next_seq",
	    "Sequence number of the next event.", NULL, NULL,
	    (double)st.next_seq);
	if (rc)
		die_nomem();
	metrics_tick(&a->ms, &mo, NULL);
}

static void
print_stats(struct appender *a, int64_t now)
{
	struct journal_status st;
	double secs = (now - a->stats_at) / 1000.0;

	journal_status(a->j, &st);
	note("seq %" PRIu64 ", %" PRIu64 " events (%.0f/s), %lu rejected, "
	    "%" PRIu64 " durable, %.1f MB raw in %.1f MB (%.2fx)",
	    st.next_seq, st.appended,
	    secs > 0 ? (st.appended - a->stats_events) / secs : 0.0,
	    a->rejected, st.durable, st.raw_bytes / 1e6, st.bytes / 1e6,
	    st.bytes ? (double)st.raw_bytes / st.bytes : 0.0);
	a->stats_events = st.appended;
	a->stats_at = now;
}

/*
 * Wait until the input is readable or timeout_ms (-1: no limit) passed.
 * SIGINT and SIGTERM are unblocked only inside ppoll(), so a stop signal
 * cannot slip in between the check of the flag and the wait.
 */
static void
wait_input(struct in *in, int64_t timeout_ms)
{
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	struct timespec ts, *tp = NULL;
	sigset_t block, old;
	int64_t grace = in_grace_ms(in);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0)
		die_errno("cannot block signals");
	/* Draining after a stop signal: not past the grace. */
	if (grace >= 0 && (timeout_ms < 0 || grace < timeout_ms))
		timeout_ms = grace;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	if (!in_stop_due(in) && ppoll(&p, 1, tp, &old) < 0 &&
	    errno != EINTR)
		die_errno("cannot wait for input");
	if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
		die_errno("cannot unblock signals");
}

/* How long the input may be waited for: until the next sync when events
 * wait for one, the next --stats line, or (-1) for ever. */
static int64_t
wait_ms(const struct appender *a, int pending, int64_t next_sync,
    int64_t next_stats, int64_t now)
{
	const struct opts *o = a->o;
	int64_t t = notify_wait_ms(&a->sd, now);

	if (pending && (t < 0 || next_sync - now < t))
		t = next_sync - now;
	if (o->period > 0 && (t < 0 || next_stats - now < t))
		t = next_stats - now;
	if (t < 0 && (pending || o->period > 0))
		t = 0;
	return t;
}

/*
 * Open the input.  Pipes and sockets are read without blocking, so that
 * a sync is never late for a producer that stops mid-line: their old
 * file status flags are returned, to restore (else -1); a terminal gives
 * whole lines and is polled (*poll_first); a file never blocks.
 */
/*
 * A nats: input starts after the stream seq the index keeps; the events
 * that recovery found past the index came from the messages after it,
 * and are skipped when they come again.
 */
static void
open_nats(struct appender *a, struct in *in)
{
	const char *spec = a->o->input;
	struct journal_status st;
	char stream[64], why[IN_WHY];
	uint64_t after = 0, jseq = 0;
	int r;

	if (nats_spec_stream(spec, stream, sizeof stream) < 0)
		stream[0] = 0;
	snprintf(a->mark_key, sizeof a->mark_key, "nats:%s", stream);
	r = journal_get_mark(a->j, a->mark_key, &after, &jseq);
	if (r < 0)
		die_errno("%s", journal_error(a->j));
	journal_status(a->j, &st);
	if (r > 0 && st.next_seq > jseq)
		a->skip = st.next_seq - jseq;
	/* The first read of this stream: what the journal holds now is
	 * not from it, and that is said before anything is read. */
	if (r == 0) {
		journal_set_mark(a->j, a->mark_key, 0, st.next_seq);
		if (journal_sync(a->j) < 0)
			die_errno("%s", journal_error(a->j));
	}
	a->nats = 1;
	a->stream_seq = after;
	if (in_open_resume(in, spec, 0, after, why, sizeof why) < 0) {
		if (why[0])
			die("cannot open input '%s': %s", spec, why);
		die_errno("cannot open input '%s'", spec);
	}
	if (a->o->verbose)
		note("'%s': reading stream '%s' after seq %" PRIu64 "%s",
		    a->o->dir, stream, after, a->skip ? ", some events again" :
		    "");
}

static int
open_input(struct appender *a, struct in *in, int *poll_first)
{
	const struct opts *o = a->o;
	struct stat sb;
	int fl = -1;

	*poll_first = 0;
	a->in = in;
	if (nats_is_spec(o->input))
		open_nats(a, in);
	else if (in_open(in, o->input, 0) < 0)
		die_errno("cannot open input '%s'", o->input ? o->input : "-");
	if (fstat(in->fd, &sb) < 0)
		die_errno("cannot stat the input");
	if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)) {
		fl = fcntl(in->fd, F_GETFL);
		if (fl < 0 || fcntl(in->fd, F_SETFL, fl | O_NONBLOCK) < 0)
			die_errno("cannot set up the input");
	} else if (!S_ISREG(sb.st_mode)) {
		*poll_first = 1;
	}
	return fl;
}

int
cmd_append(const struct opts *o)
{
	struct appender a;
	struct in in;
	struct event ev;
	struct journal_status st;
	char what[1024], why[256];
	int64_t next_sync = 0, next_stats = 0, now;
	int pending = 0, poll_first = 0, fl = -1;
	struct journal_opts jo = o->j;

	memset(&a, 0, sizeof a);
	a.o = o;
	metrics_init(&a.ms, "mkt-journal");
	buf_init(&a.ab, 0);
	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	jo.note = on_note;
	jo.note_ctx = (void *)o->dir;
	if (journal_open(&a.j, o->dir, &jo, what, sizeof what) < 0) {
		if (errno == EWOULDBLOCK)
			die("%s", what);
		die_errno("%s", what);
	}
	a.hist = hist_open(o, a.j);
	jhistory_attach(a.hist);
	fl = open_input(&a, &in, &poll_first);
	if (o->ack && out_open(&a.ack, o->ack, 0) < 0)
		die_errno("cannot open '%s'", o->ack);
	/* Where the journal stands before anything is read. */
	send_ack(&a);
	a.started = a.stats_at = time_mono_ms();
	next_stats = a.started + o->period;
	journal_status(a.j, &st);
	notify_init(&a.sd);
	notify_ready(&a.sd, "appending to '%s' at seq %" PRIu64, o->dir,
	    st.next_seq);

	for (;;) {
		const char *line;
		size_t len;
		int r;

		/* The stop rule of mkt(7): a pipe is read to its end. */
		if (in_stop_due(&in))
			break;
		now = time_mono_ms();
		notify_tick(&a.sd, now);
		if (pending && now >= next_sync) {
			sync_or_die(&a);
			pending = 0;
		}
		if (o->period > 0 && now >= next_stats) {
			if (o->stats > 0)
				print_stats(&a, now);
			write_metrics(&a);
			next_stats = now + o->period;
		}
		if (poll_first && !in_pending(&in)) {
			struct pollfd p = { .fd = in.fd, .events = POLLIN };

			wait_input(&in, wait_ms(&a, pending, next_sync,
			    next_stats, now));
			if (poll(&p, 1, 0) <= 0)
				continue;
		}
		r = in_next(&in, &line, &len);
		if (r == IN_LINE || r == IN_TOOLONG)
			a.lines = in.lineno;
		if (r == IN_LINE) {
			if (a.nats)
				track_message(&a);
			if (event_parse(line, len, &ev, why, sizeof why) < 0) {
				a.rejected++;
				err_line(in.lineno, "%s", why);
				continue;
			}
			/* The journal has it from before a restart (acked
			 * with the next sync, which a long run of them
			 * brings forward too). */
			if (a.skip) {
				a.skip--;
				if (++a.unsynced >= NATS_SUB_MAX / 2) {
					sync_or_die(&a);
					pending = 0;
				}
				continue;
			}
			if (journal_append(a.j, line, len, &ev) < 0)
				die_errno("%s", journal_error(a.j));
			if (!pending) {
				pending = 1;
				next_sync = now + o->sync;
			}
			/* Many lines held for the history tables: sync
			 * early. */
			r = jhistory_hold(a.hist, line, len, &ev);
			if (r < 0)
				die_nomem();
			if (r > 0)
				next_sync = now;
			/* A nats: input fetches no more than NATS_SUB_MAX
			 * messages ahead of their acks, which come with the
			 * syncs: sync before it runs dry. */
			if (a.nats && ++a.unsynced >= NATS_SUB_MAX / 2)
				next_sync = now;
			continue;
		}
		if (r == IN_TOOLONG) {
			a.rejected++;
			err_line(in.lineno, "line too long (over %zu bytes)",
			    in.max_line);
			continue;
		}
		if (r == IN_EOF)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			die_errno("read error");
		wait_input(&in, wait_ms(&a, pending, next_sync, next_stats,
		    now));
	}

	/* End of input or a stop signal: everything read becomes durable,
	 * and a last ack says so (rejected lines may have come since). */
	notify_stopping(&a.sd);
	sync_or_die(&a);
	send_ack(&a);
	write_metrics(&a);
	metrics_free(&a.ms);
	journal_status(a.j, &st);
	if (o->verbose)
		note("'%s': %" PRIu64 " events appended, seq %" PRIu64
		    ", %.1f MB raw in %.1f MB", o->dir, st.appended,
		    st.next_seq, st.raw_bytes / 1e6, st.bytes / 1e6);
	jhistory_close(a.hist);
	if (journal_close(a.j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	if (fl >= 0 && fcntl(in.fd, F_SETFL, fl) < 0) {
		/* The input is ours alone or gone: nothing to restore. */
	}
	in_close(&in);
	if (a.ack && out_close(a.ack) < 0 && errno != EPIPE)
		die_errno("cannot write acks to '%s'", o->ack);
	buf_free(&a.ab);
	if (a.rejected)
		warn("%lu bad line%s rejected", a.rejected,
		    a.rejected == 1 ? "" : "s");
	return 0;
}
