/*
 * natssub: a durable pull consumer read as a socket (nats.h).
 *
 * A thread fetches messages in batches and writes each one's bytes to
 * one end of a socket pair (a '\n' added when a message lacks its last
 * one); in.c reads the other end.  Every message fetched waits in the
 * queue below, with the offset where its bytes end, until the reader
 * acks it; the thread fetches no more while NATS_SUB_MAX wait, so a
 * slow reader holds no more than that in memory, and the rest stays in
 * the stream.
 *
 * The reader sees each message once, in stream order: the consumer is
 * made anew at open where the reading resumes (its ack floor, or the
 * caller's position), a message delivered again (its consumer sequence
 * seen before) is dropped, and when one is missing (the consumer
 * sequence jumps: a reply lost while a leader changed) the rest of the
 * batch is dropped too and, once the reader is done with what is
 * queued, the consumer is made anew after the last message queued.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "nats.h"
#include "natsint.h"

/* Messages asked for in one fetch, and how long one waits. */
#define FETCH_BATCH 256
#define FETCH_WAIT_MS 500
/* The server redelivers a message not acked this long after. */
#define ACK_WAIT_NS (120LL * 1000000000)

struct qmsg {
	natsMsg *m;
	uint64_t seq;
	uint64_t end;		/* offset past its bytes */
};

struct nats_sub {
	struct nspec ns;
	struct nconn c;
	natsSubscription *sub;
	char durable[256];
	pthread_t th;
	int started;
	int rfd, wfd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct qmsg q[NATS_SUB_MAX];
	size_t head, n;
	size_t hint;		/* where the last lookup ended, from head */
	uint64_t written;	/* bytes handed to wfd, and queued */
	uint64_t last_seq;	/* the highest sequence queued */
	uint64_t next_cseq;	/* the consumer sequence due next */
	uint64_t base;		/* where the consumer was made to start */
	int stop, failed;
	char why[256];
};

/* FNV-1a: a short, stable name part from the filter. */
static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The default durable: the program's name and the filter's hash. */
static void
default_durable(char *dst, size_t cap, const char *filter)
{
	const char *prog = program_invocation_short_name;
	size_t i, k = 0;

	for (i = 0; prog[i] && k + 20 < cap; i++) {
		char c = prog[i];

		dst[k++] = c == '.' || c == '*' || c == '>' || c <= ' ' ?
		    '_' : c;
	}
	snprintf(dst + k, cap - k, "_%016llx",
	    (unsigned long long)fnv1a(filter));
}

static void
set_failed(struct nats_sub *s, const char *what, natsStatus st)
{
	pthread_mutex_lock(&s->mu);
	s->failed = 1;
	snprintf(s->why, sizeof s->why, "%s: %s", what,
	    natsStatus_GetText(st));
	pthread_mutex_unlock(&s->mu);
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Queue one message and write its bytes.  0, or 1 when a message is
 * missing before this one (the consumer's sequence jumped: a reply lost
 * while a leader changed), or -1 when the reader is gone.  A message
 * the consumer delivers again (its sequence already seen) is dropped:
 * its first delivery is queued or done with.
 */
static int
deliver(struct nats_sub *s, natsMsg *m)
{
	jsMsgMetaData *md = NULL;
	const char *d = natsMsg_GetData(m);
	int len = natsMsg_GetDataLength(m);
	int nl = len > 0 && d[len - 1] == '\n';
	uint64_t seq = 0, cseq = 0;

	if (natsMsg_GetMetaData(&md, m) == NATS_OK) {
		seq = md->Sequence.Stream;
		cseq = md->Sequence.Consumer;
		jsMsgMetaData_Destroy(md);
	}
	pthread_mutex_lock(&s->mu);
	if (cseq > s->next_cseq) {
		pthread_mutex_unlock(&s->mu);
		natsMsg_Destroy(m);
		return 1;
	}
	if (cseq < s->next_cseq || (seq && seq <= s->last_seq)) {
		pthread_mutex_unlock(&s->mu);
		natsMsg_Destroy(m);
		return 0;
	}
	s->next_cseq++;
	if (len <= 0) {
		/* Nothing for the reader: done with at once. */
		if (seq)
			s->last_seq = seq;
		pthread_mutex_unlock(&s->mu);
		natsMsg_Ack(m, NULL);
		natsMsg_Destroy(m);
		return 0;
	}
	s->written += (uint64_t)len + !nl;
	s->q[(s->head + s->n) % NATS_SUB_MAX] = (struct qmsg){ m, seq,
	    s->written };
	s->n++;
	if (seq)
		s->last_seq = seq;
	pthread_mutex_unlock(&s->mu);
	if (send_all(s->wfd, d, (size_t)len) < 0 ||
	    (!nl && send_all(s->wfd, "\n", 1) < 0))
		return -1;
	return 0;
}

/* Room for how many more messages; waits while there is none. */
static int
wait_room(struct nats_sub *s)
{
	int room;

	pthread_mutex_lock(&s->mu);
	while (!s->stop && s->n >= NATS_SUB_MAX)
		pthread_cond_wait(&s->cv, &s->mu);
	room = s->stop ? 0 : (int)(NATS_SUB_MAX - s->n);
	pthread_mutex_unlock(&s->mu);
	return room;
}

static int
stopping(struct nats_sub *s)
{
	int st;

	pthread_mutex_lock(&s->mu);
	st = s->stop;
	pthread_mutex_unlock(&s->mu);
	return st;
}

static int consumer_renew(struct nats_sub *s, uint64_t after, char *why,
    size_t whylen);

/*
 * A message went missing, or the consumer did: once the reader is done
 * with every message queued (they are acked to the consumer that
 * delivered them), make the consumer anew after the last one queued,
 * so that nothing is skipped and the order stays.  0, or -1 when
 * stopping or when JetStream refused for NCONN_RETRY_MS.
 */
static int
restart_consumer(struct nats_sub *s)
{
	int64_t until;
	uint64_t after;
	char why[256];

	pthread_mutex_lock(&s->mu);
	while (!s->stop && s->n > 0)
		pthread_cond_wait(&s->cv, &s->mu);
	after = s->last_seq > s->base ? s->last_seq : s->base;
	pthread_mutex_unlock(&s->mu);
	until = time_mono_ms() + NCONN_RETRY_MS;
	while (!stopping(s)) {
		if (consumer_renew(s, after, why, sizeof why) == 0) {
			pthread_mutex_lock(&s->mu);
			s->next_cseq = 1;
			pthread_mutex_unlock(&s->mu);
			return 0;
		}
		if (time_mono_ms() >= until) {
			pthread_mutex_lock(&s->mu);
			s->failed = 1;
			snprintf(s->why, sizeof s->why, "%s", why);
			pthread_mutex_unlock(&s->mu);
			return -1;
		}
		usleep(250 * 1000);
	}
	return -1;
}

static void *
fetcher(void *arg)
{
	struct nats_sub *s = arg;

	for (;;) {
		natsMsgList list = { 0 };
		jsErrCode jerr = 0;
		natsStatus st;
		int room = wait_room(s), i, r, gone = 0, gap = 0;

		if (room <= 0)
			break;
		st = natsSubscription_Fetch(&list, s->sub,
		    room < FETCH_BATCH ? room : FETCH_BATCH, FETCH_WAIT_MS,
		    &jerr);
		if (st == NATS_TIMEOUT)
			continue;
		if (st == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) {
			if (restart_consumer(s) < 0)
				break;
			continue;
		}
		if (st != NATS_OK) {
			/* A server restarting or a leader changing: the
			 * connection reconnects; try again shortly. */
			if (st == NATS_INVALID_SUBSCRIPTION ||
			    st == NATS_CONNECTION_CLOSED) {
				set_failed(s, "fetch", st);
				break;
			}
			if (stopping(s))
				break;
			usleep(100 * 1000);
			continue;
		}
		for (i = 0; i < list.Count; i++) {
			if (gone || gap) {
				natsMsg_Destroy(list.Msgs[i]);
			} else {
				r = deliver(s, list.Msgs[i]);
				gone = r < 0;
				gap = r > 0;
			}
			list.Msgs[i] = NULL;
		}
		natsMsgList_Destroy(&list);
		if (gone || (gap && restart_consumer(s) < 0))
			break;
	}
	/* The reader sees the end of its input. */
	shutdown(s->wfd, SHUT_WR);
	return NULL;
}

/*
 * start= in the nanoseconds JetStream takes.  libnats 3.4.1 writes the
 * fraction of a second without its leading zeros (.050 goes out as
 * .5, half a second late), so a time less than 100 ms into its second
 * is taken from the whole second: a few messages early, none missed.
 */
static int64_t
start_ns(int64_t ms)
{
	int64_t frac = ((ms % 1000) + 1000) % 1000;

	if (frac < 100)
		ms -= frac;
	return ms * 1000000;
}

/* Make the consumer anew, starting after stream sequence `after` (0:
 * the spec's start=, or the stream's first message). */
static int
consumer_renew(struct nats_sub *s, uint64_t after, char *why, size_t whylen)
{
	jsConsumerConfig cc;
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	natsStatus st;

	st = js_DeleteConsumer(s->c.js, s->ns.stream, s->durable, NULL, &jerr);
	if (st != NATS_OK && st != NATS_NOT_FOUND &&
	    jerr != JSConsumerNotFoundErr) {
		nats_why(why, whylen, "cannot renew consumer '%s': %s",
		    s->durable, nconn_errtext(st));
		errno = EPROTO;
		return nconn_failed(&s->c, st, jerr);
	}
	jsConsumerConfig_Init(&cc);
	cc.Durable = s->durable;
	cc.AckPolicy = js_AckExplicit;
	cc.AckWait = ACK_WAIT_NS;
	cc.MaxAckPending = NATS_SUB_MAX * 2;
	cc.FilterSubject = s->ns.subject;
	if (after) {
		cc.DeliverPolicy = js_DeliverByStartSequence;
		cc.OptStartSeq = after + 1;
	} else if (s->ns.has_start) {
		cc.DeliverPolicy = js_DeliverByStartTime;
		cc.OptStartTime = start_ns(s->ns.start_ms);
	} else {
		cc.DeliverPolicy = js_DeliverAll;
	}
	st = js_AddConsumer(&ci, s->c.js, s->ns.stream, &cc, NULL, &jerr);
	if (ci)
		jsConsumerInfo_Destroy(ci);
	if (st != NATS_OK) {
		nats_why(why, whylen, "cannot make consumer '%s' on stream "
		    "'%s': %s", s->durable, s->ns.stream, nconn_errtext(st));
		errno = EPROTO;
		return nconn_failed(&s->c, st, jerr);
	}
	return 0;
}

/* Where a durable already there has come to: its ack floor. */
static int
ack_floor(struct nats_sub *s, uint64_t *after, char *why, size_t whylen)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	natsStatus st;

	st = js_GetConsumerInfo(&ci, s->c.js, s->ns.stream, s->durable, NULL,
	    &jerr);
	if (st == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) {
		*after = 0;
		return 0;
	}
	if (st != NATS_OK) {
		nats_why(why, whylen, "cannot read consumer '%s': %s",
		    s->durable, nconn_errtext(st));
		errno = EPROTO;
		return nconn_failed(&s->c, st, jerr);
	}
	*after = ci->AckFloor.Stream;
	jsConsumerInfo_Destroy(ci);
	return 0;
}

/*
 * The consumer is always made anew where the reading resumes -- after
 * the caller's position, or after the durable's ack floor -- so that
 * messages it delivered before and would deliver again only once their
 * ack wait ran out cannot come after newer ones.
 */
static int
subscribe(struct nats_sub *s, int resume, uint64_t after, char *why,
    size_t whylen)
{
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus st;

	if (!resume && ack_floor(s, &after, why, whylen) < 0)
		return -1;
	if (consumer_renew(s, after, why, whylen) < 0)
		return -1;
	s->base = after;
	s->next_cseq = 1;
	jsSubOptions_Init(&so);
	so.Stream = s->ns.stream;
	so.Consumer = s->durable;
	so.ManualAck = true;
	st = js_PullSubscribe(&s->sub, s->c.js, s->ns.subject, s->durable,
	    NULL, &so, &jerr);
	if (st != NATS_OK) {
		nats_why(why, whylen, "cannot read '%s' from stream '%s' as "
		    "'%s': %s", s->ns.subject, s->ns.stream, s->durable,
		    nconn_errtext(st));
		errno = EPROTO;
		return nconn_failed(&s->c, st, jerr);
	}
	return 0;
}

/* The stream, then the consumer; again while JetStream is only
 * unavailable for now (a node restarting, a leader being elected). */
static int
bind_consumer(struct nats_sub *s, const char *subjects, int resume,
    uint64_t after, char *why, size_t whylen)
{
	int64_t until = time_mono_ms() + NCONN_RETRY_MS;

	for (;;) {
		s->c.last = NATS_OK;
		s->c.last_jerr = 0;
		if (nstream_ensure(&s->c, &s->ns, subjects, NULL, why,
		    whylen) == 0 && subscribe(s, resume, after, why,
		    whylen) == 0)
			return 0;
		if (!nconn_transient(&s->c) || time_mono_ms() >= until)
			return -1;
		usleep(250 * 1000);
	}
}

static void
sub_free(struct nats_sub *s)
{
	size_t i;

	/* Messages, subscription, connection: each before what made it
	 * (the last connection closed takes the library down). */
	for (i = 0; i < s->n; i++)
		natsMsg_Destroy(s->q[(s->head + i) % NATS_SUB_MAX].m);
	s->n = 0;
	/* Not natsSubscription_Unsubscribe(): it deletes a consumer that
	 * the subscribe made, and the durable must outlive the program. */
	if (s->sub)
		natsSubscription_Destroy(s->sub);
	nconn_close(&s->c);
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->wfd >= 0)
		close(s->wfd);
	nspec_free(&s->ns);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int
nats_sub_open(struct nats_sub **sp, const char *spec, int resume,
    uint64_t after, int *fd, char *why, size_t whylen)
{
	struct nats_sub *s = calloc(1, sizeof *s);
	int sv[2], e;
	char *subjects = NULL;

	*sp = NULL;
	if (!s)
		return -1;
	s->rfd = s->wfd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (nspec_parse(&s->ns, spec, why, whylen) < 0)
		goto fail;
	if (s->ns.durable)
		snprintf(s->durable, sizeof s->durable, "%s", s->ns.durable);
	else
		default_durable(s->durable, sizeof s->durable, s->ns.subject);
	if (nconn_open(&s->c, &s->ns, s->durable, NULL, NULL, NULL, NULL, why,
	    whylen) < 0)
		goto fail;
	/* create=1 on an input: the stream takes the filter's first token
	 * and everything under it. */
	if (asprintf(&subjects, "%.*s.>", (int)strcspn(s->ns.subject, "."),
	    s->ns.subject) < 0) {
		subjects = NULL;
		errno = ENOMEM;
		goto fail;
	}
	if (bind_consumer(s, subjects, resume, after, why, whylen) < 0)
		goto fail;
	free(subjects);
	subjects = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail;
	s->rfd = sv[0];
	s->wfd = sv[1];
	if ((errno = pthread_create(&s->th, NULL, fetcher, s)) != 0)
		goto fail;
	s->started = 1;
	*fd = s->rfd;
	*sp = s;
	return 0;
fail:
	e = errno;
	free(subjects);
	sub_free(s);
	errno = e;
	return -1;
}

/* The first queued message whose bytes end past off, from the hint:
 * the reader's offsets only grow between acks.  The mutex is held. */
static size_t
find_from_hint(struct nats_sub *s, uint64_t off)
{
	size_t i = s->hint < s->n ? s->hint : 0;

	if (i && s->q[(s->head + i - 1) % NATS_SUB_MAX].end > off)
		i = 0;
	while (i < s->n && s->q[(s->head + i) % NATS_SUB_MAX].end <= off)
		i++;
	s->hint = i;
	return i;
}

uint64_t
nats_sub_seq_at(struct nats_sub *s, uint64_t off)
{
	uint64_t seq = 0;
	size_t i;

	pthread_mutex_lock(&s->mu);
	i = find_from_hint(s, off);
	if (i < s->n)
		seq = s->q[(s->head + i) % NATS_SUB_MAX].seq;
	pthread_mutex_unlock(&s->mu);
	return seq;
}

uint64_t
nats_sub_done_seq(struct nats_sub *s, uint64_t consumed)
{
	uint64_t seq = 0;
	size_t i;

	pthread_mutex_lock(&s->mu);
	i = find_from_hint(s, consumed);
	if (i > 0)
		seq = s->q[(s->head + i - 1) % NATS_SUB_MAX].seq;
	pthread_mutex_unlock(&s->mu);
	return seq;
}

size_t
nats_sub_ack(struct nats_sub *s, uint64_t consumed, uint64_t max_seq)
{
	natsMsg *done[64];
	size_t k, total = 0;

	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&s->mu);
		while (s->n && n < 64) {
			struct qmsg *q = &s->q[s->head];

			if (q->end > consumed || q->seq > max_seq)
				break;
			done[n++] = q->m;
			q->m = NULL;
			s->head = (s->head + 1) % NATS_SUB_MAX;
			s->n--;
			if (s->hint)
				s->hint--;
		}
		if (n)
			pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		/* An ack lost on the way is redelivered later: the reader
		 * (or mkt-journal's own position) sees to that. */
		for (k = 0; k < n; k++) {
			natsMsg_Ack(done[k], NULL);
			natsMsg_Destroy(done[k]);
		}
		total += n;
		if (n < 64)
			return total;
	}
}

int
nats_sub_failed(struct nats_sub *s, char *why, size_t whylen)
{
	int f;

	pthread_mutex_lock(&s->mu);
	f = s->failed;
	if (f)
		nats_why(why, whylen, "%s", s->why);
	pthread_mutex_unlock(&s->mu);
	return f;
}

void
nats_sub_close(struct nats_sub *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	/* A thread blocked writing to a reader that stopped reading. */
	if (s->rfd >= 0)
		shutdown(s->rfd, SHUT_RDWR);
	if (s->started)
		pthread_join(s->th, NULL);
	sub_free(s);
}
