/*
 * natspub: events published to JetStream (nats.h), in order, each with a
 * message id that repeats when the event does.
 *
 * Every event is kept, in publish order, until its ack comes: the ring
 * below, at most NATS_PUB_MAX of them.  libnats's ack handler only marks
 * entries (under the mutex); the writer's thread frees them and makes
 * every libnats call, so no lock of ours is held across one of libnats.
 * A failed publish (a JetStream error, a lost ack after MaxWait) or a
 * dropped connection raises `resend`: the writer then waits for the
 * connection, takes back what libnats still waits for, and publishes
 * every unacked entry again, oldest first, before anything newer --
 * the stream drops the ones it already has by their ids.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "nats.h"
#include "natsint.h"

/* How long a publish may wait for its ack before it is sent again. */
#define ACK_WAIT_MS 5000
/* Refused this long while connected: the output fails. */
#define REFUSED_MS 60000

struct pent {
	char *subj, *id, *data;	/* one allocation, subj first */
	size_t len;
	int acked;
};

struct nats_pub {
	struct nspec ns;
	struct nconn c;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pent ring[NATS_PUB_MAX];
	size_t head, n;		/* unacked (or not yet popped) entries */
	int resend;		/* publish every unacked entry again */
	int64_t refused_since;	/* mono ms of the first failure in a row */
	int err;		/* sticky errno */
	char why[256];
	struct nats_pub_stats st;
};

static void
wake(struct nats_pub *p)
{
	pthread_cond_broadcast(&p->cv);
}

/* Mark the entry with this id acked (acks come mostly in order). */
static void
mark_acked(struct nats_pub *p, const char *id, int dup)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct pent *e = &p->ring[(p->head + i) % NATS_PUB_MAX];

		if (!e->acked && strcmp(e->id, id) == 0) {
			e->acked = 1;
			if (dup)
				p->st.duplicates++;
			else
				p->st.stored++;
			return;
		}
	}
}

static void
on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct nats_pub *p = closure;
	const char *id = NULL;

	(void)js;
	if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK)
		id = NULL;
	pthread_mutex_lock(&p->mu);
	if (pa && id) {
		mark_acked(p, id, pa->Duplicate);
		p->refused_since = 0;
	} else {
		p->resend = 1;
		if (pae)
			snprintf(p->why, sizeof p->why, "JetStream: %s",
			    pae->ErrText ? pae->ErrText :
			    natsStatus_GetText(pae->Err));
	}
	wake(p);
	pthread_mutex_unlock(&p->mu);
	natsMsg_Destroy(m);
}

static void
on_disconnect(natsConnection *nc, void *closure)
{
	struct nats_pub *p = closure;

	(void)nc;
	pthread_mutex_lock(&p->mu);
	p->resend = 1;
	wake(p);
	pthread_mutex_unlock(&p->mu);
}

static void
on_reconnect(natsConnection *nc, void *closure)
{
	struct nats_pub *p = closure;

	(void)nc;
	pthread_mutex_lock(&p->mu);
	wake(p);
	pthread_mutex_unlock(&p->mu);
}

/* Wait on the condition for at most ms; the mutex is held. */
static void
timed_wait(struct nats_pub *p, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

/* Free the acked entries at the head; the mutex is held. */
static void
pop_acked(struct nats_pub *p)
{
	while (p->n && p->ring[p->head].acked) {
		free(p->ring[p->head].subj);
		memset(&p->ring[p->head], 0, sizeof p->ring[p->head]);
		p->head = (p->head + 1) % NATS_PUB_MAX;
		p->n--;
	}
}

static int
fail(struct nats_pub *p, int e)
{
	p->err = e;
	errno = e;
	return -1;
}

static int
publish_one(struct nats_pub *p, const struct pent *e)
{
	jsPubOptions po;
	natsStatus s;

	jsPubOptions_Init(&po);
	po.MsgId = e->id;
	po.MaxWait = ACK_WAIT_MS;
	s = js_PublishAsync(p->c.js, e->subj, e->data, (int)e->len, &po);
	if (s == NATS_OK)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->resend = 1;
	snprintf(p->why, sizeof p->why, "publish: %s", natsStatus_GetText(s));
	pthread_mutex_unlock(&p->mu);
	return -1;
}

static int
connected(struct nats_pub *p)
{
	return natsConnection_Status(p->c.nc) == NATS_CONN_STATUS_CONNECTED;
}

/*
 * Wait for the connection, then publish every unacked entry again in
 * order.  Returns 0 when done (or nothing to do), -1 when the output
 * has failed.
 */
static int
resend_all(struct nats_pub *p)
{
	natsMsgList stale;
	size_t i, n;
	int64_t now;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (!p->resend) {
			pthread_mutex_unlock(&p->mu);
			return 0;
		}
		now = time_mono_ms();
		if (connected(p)) {
			if (!p->refused_since)
				p->refused_since = now;
			else if (now - p->refused_since >= REFUSED_MS) {
				pthread_mutex_unlock(&p->mu);
				return fail(p, EIO);
			}
			p->resend = 0;
			pthread_mutex_unlock(&p->mu);
			break;
		}
		/* Down: the attempts of a restarting server do not count. */
		p->refused_since = 0;
		timed_wait(p, 100);
		pthread_mutex_unlock(&p->mu);
	}
	/* What libnats still waits for is ours again (its late acks are
	 * dropped); each goes out anew below, in order. */
	if (js_PublishAsyncGetPendingList(&stale, p->c.js) == NATS_OK)
		natsMsgList_Destroy(&stale);
	pthread_mutex_lock(&p->mu);
	pop_acked(p);
	n = p->n;
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < n; i++) {
		struct pent *e = &p->ring[(p->head + i) % NATS_PUB_MAX];
		int acked;

		/* Entries are freed only by this thread: e stays valid;
		 * the ack handler may mark it meanwhile. */
		pthread_mutex_lock(&p->mu);
		acked = e->acked;
		pthread_mutex_unlock(&p->mu);
		if (acked)
			continue;
		p->st.resent++;
		if (publish_one(p, e) < 0)
			break;
	}
	/* A failure while resending raised resend again: pause, retry. */
	pthread_mutex_lock(&p->mu);
	if (p->resend)
		timed_wait(p, 200);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Wait for room in the ring, resending as needed. */
static int
wait_room(struct nats_pub *p)
{
	for (;;) {
		if (resend_all(p) < 0)
			return -1;
		pthread_mutex_lock(&p->mu);
		pop_acked(p);
		if (p->n < NATS_PUB_MAX && !p->resend) {
			pthread_mutex_unlock(&p->mu);
			return 0;
		}
		if (!p->resend)
			timed_wait(p, 100);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Copy a token of a subject, made safe: no '.', '*', '>', blanks. */
static size_t
put_token(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[k++] = c <= ' ' || c == '.' || c == '*' || c == '>' ||
		    c == 0x7f ? '_' : (char)c;
	}
	if (k == 0 && cap > 1)
		dst[k++] = '_';
	dst[k] = 0;
	return k;
}

struct evkey {
	struct json_span venue, market, symbol, type;
};

static const struct json_span *
member(const struct json_obj *o, const char *k)
{
	const struct json_span *s = json_get(o, k);

	return s && s->type != JSON_NONE ? s : NULL;
}

static void
span_of(const struct json_obj *o, const char *k, struct json_span *dst)
{
	const struct json_span *s = member(o, k);

	if (s && s->type == JSON_STRING)
		*dst = *s;
	else
		memset(dst, 0, sizeof *dst);
}

/* Append s (a token made safe) and a dot. */
static size_t
add_tok(char *dst, size_t cap, size_t at, const struct json_span *s,
    const char *dflt)
{
	if (at + 2 >= cap)
		return at;
	if (s->n)
		at += put_token(dst + at, cap - at - 1, s->p, s->n);
	else
		at += put_token(dst + at, cap - at - 1, dflt, strlen(dflt));
	dst[at++] = '.';
	dst[at] = 0;
	return at;
}

/* The subject from the template: {venue} {market} {symbol} {type}. */
static void
subject_tmpl(const char *t, const struct evkey *k, char *dst, size_t cap)
{
	size_t at = 0;

	while (*t && at + 1 < cap) {
		const struct json_span *s = NULL;
		size_t skip = 0;

		if (strncmp(t, "{venue}", 7) == 0)
			s = &k->venue, skip = 7;
		else if (strncmp(t, "{market}", 8) == 0)
			s = &k->market, skip = 8;
		else if (strncmp(t, "{symbol}", 8) == 0)
			s = &k->symbol, skip = 8;
		else if (strncmp(t, "{type}", 6) == 0)
			s = &k->type, skip = 6;
		if (s) {
			at += put_token(dst + at, cap - at, s->p, s->n);
			t += skip;
		} else {
			dst[at++] = *t++;
		}
	}
	dst[at] = 0;
}

static void
make_subject(const struct nspec *ns, const struct evkey *k, char *dst,
    size_t cap)
{
	size_t at;

	if (ns->tmpl) {
		subject_tmpl(ns->tmpl, k, dst, cap);
		return;
	}
	at = (size_t)snprintf(dst, cap, "%s.", ns->subject);
	if (at >= cap)
		at = cap - 1;
	if (k->symbol.n) {
		at = add_tok(dst, cap, at, &k->venue, "_");
		at = add_tok(dst, cap, at, &k->market, "_");
		at = add_tok(dst, cap, at, &k->symbol, "_");
	}
	at = add_tok(dst, cap, at, &k->type, "other");
	dst[at ? at - 1 : 0] = 0;	/* the last dot */
}

/* A member's raw text (a number or a string) into an id, if it fits. */
static int
add_id(char *dst, size_t cap, size_t *at, const struct json_obj *o,
    const char *k)
{
	const struct json_span *s = member(o, k);
	int w;

	if (!s || (s->type != JSON_NUMBER && s->type != JSON_STRING) ||
	    s->escaped)
		return 0;
	w = snprintf(dst + *at, cap - *at, ".%.*s", (int)s->n, s->p);
	if (w < 0 || (size_t)w >= cap - *at)
		return -1;
	*at += (size_t)w;
	return 1;
}

static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * The message id: the event's own ids where it is one the venue
 * numbered (depth and snapshot: first_id and last_id, plus Bybit's
 * seq; trade: its id), so a re-sent event matches whenever it was
 * received; else "h" and a SHA-256 of the line.
 */
static void
make_id(const struct json_obj *o, const struct evkey *k, const char *line,
    size_t len, char *dst, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	size_t at;
	int got = 0;

	if (o && k->symbol.n && k->type.n) {
		at = (size_t)snprintf(dst, cap, "%.*s.%.*s.%.*s.%.*s",
		    (int)k->venue.n, k->venue.p, (int)k->market.n,
		    k->market.p, (int)k->symbol.n, k->symbol.p,
		    (int)k->type.n, k->type.p);
		if (at < cap && (json_str_is(&k->type, "depth") ||
		    json_str_is(&k->type, "snapshot"))) {
			got = add_id(dst, cap, &at, o, "first_id");
			got = got >= 0 &&
			    add_id(dst, cap, &at, o, "last_id") > 0;
			if (got && add_id(dst, cap, &at, o, "seq") < 0)
				got = 0;
		} else if (at < cap && json_str_is(&k->type, "trade")) {
			got = add_id(dst, cap, &at, o, "id") > 0;
			if (got && member(o, "agg"))
				got = add_id(dst, cap, &at, o, "agg") >= 0;
		}
		/* A header value holds no control character. */
		if (got && printable(dst))
			return;
	}
	if (!EVP_Digest(line, len, md, &mdlen, EVP_sha256(), NULL))
		mdlen = 0;
	dst[0] = 'h';
	for (i = 0; i < mdlen && 2 * i + 2 < cap; i++) {
		dst[1 + 2 * i] = hex[md[i] >> 4];
		dst[2 + 2 * i] = hex[md[i] & 15];
	}
	dst[mdlen ? 2 * i + 1 : 1] = 0;
}

/* The subject of a typical event, to check the stream takes it. */
static void
sample_subject(const struct nats_pub *p, char *dst, size_t cap)
{
	static const char x[] = "x";
	struct evkey k;

	k.venue.p = k.market.p = k.symbol.p = k.type.p = x;
	k.venue.n = k.market.n = k.symbol.n = k.type.n = 1;
	make_subject(&p->ns, &k, dst, cap);
}

void
nats_route(const struct nspec *ns, const char *line, size_t len, char *subj,
    size_t subjcap, char *id, size_t idcap)
{
	struct json_obj o;
	struct evkey k;
	const char *why;
	size_t where;
	int ok;

	memset(&k, 0, sizeof k);
	ok = json_parse_object_lazy(line, len, &o, &why, &where) == 0;
	if (ok) {
		span_of(&o, "venue", &k.venue);
		span_of(&o, "market", &k.market);
		span_of(&o, "symbol", &k.symbol);
		span_of(&o, "type", &k.type);
	}
	make_subject(ns, &k, subj, subjcap);
	make_id(ok ? &o : NULL, &k, line, len, id, idcap);
}

static int
add_entry(struct nats_pub *p, const char *line, size_t len)
{
	size_t ls, li;
	char subj[NATS_SUBJ_MAX], id[NATS_ID_MAX];
	struct pent *e;

	nats_route(&p->ns, line, len, subj, sizeof subj, id, sizeof id);
	ls = strlen(subj) + 1;
	li = strlen(id) + 1;
	e = &p->ring[(p->head + p->n) % NATS_PUB_MAX];
	e->subj = malloc(ls + li + len);
	if (!e->subj)
		return -1;
	e->id = e->subj + ls;
	e->data = e->id + li;
	memcpy(e->subj, subj, ls);
	memcpy(e->id, id, li);
	memcpy(e->data, line, len);
	e->len = len;
	e->acked = 0;
	pthread_mutex_lock(&p->mu);
	p->n++;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int
publish_line(struct nats_pub *p, const char *line, size_t len)
{
	struct pent *e;

	if (wait_room(p) < 0)
		return -1;
	if (add_entry(p, line, len) < 0)
		return fail(p, ENOMEM);
	e = &p->ring[(p->head + p->n - 1) % NATS_PUB_MAX];
	p->st.published++;
	/* A failure raised resend: the next wait_room() sends it again. */
	(void)publish_one(p, e);
	return 0;
}

int
nats_pub_write(struct nats_pub *p, const char *lines, size_t n)
{
	const char *end = lines + n;

	if (p->err) {
		errno = p->err;
		return -1;
	}
	while (lines < end) {
		const char *nl = memchr(lines, '\n', (size_t)(end - lines));
		size_t len = nl ? (size_t)(nl - lines) : (size_t)(end - lines);

		if (len && publish_line(p, lines, len) < 0)
			return -1;
		lines += len + 1;
	}
	return 0;
}

int
nats_pub_flush(struct nats_pub *p, int64_t timeout_ms)
{
	int64_t until = timeout_ms < 0 ? -1 : time_mono_ms() + timeout_ms;

	if (p->err) {
		errno = p->err;
		return -1;
	}
	for (;;) {
		if (resend_all(p) < 0)
			return -1;
		pthread_mutex_lock(&p->mu);
		pop_acked(p);
		if (p->n == 0 && !p->resend) {
			pthread_mutex_unlock(&p->mu);
			return 0;
		}
		if (until >= 0 && time_mono_ms() >= until) {
			pthread_mutex_unlock(&p->mu);
			errno = ETIMEDOUT;
			return -1;
		}
		if (!p->resend)
			timed_wait(p, 50);
		pthread_mutex_unlock(&p->mu);
	}
}

const char *
nats_pub_why(const struct nats_pub *p)
{
	return p->why;
}

void
nats_pub_stats(const struct nats_pub *p, struct nats_pub_stats *st)
{
	*st = p->st;
}

/* The stream; again while JetStream is only unavailable for now. */
static int
ensure_stream(struct nats_pub *p, const char *subjects, const char *sample,
    char *why, size_t whylen)
{
	int64_t until = time_mono_ms() + NCONN_RETRY_MS;

	for (;;) {
		p->c.last = NATS_OK;
		p->c.last_jerr = 0;
		if (nstream_ensure(&p->c, &p->ns, subjects, sample, why,
		    whylen) == 0)
			return 0;
		if (!nconn_transient(&p->c) || time_mono_ms() >= until)
			return -1;
		usleep(250 * 1000);
	}
}

int
nats_pub_open(struct nats_pub **pp, const char *spec, char *why,
    size_t whylen)
{
	struct nats_pub *p = calloc(1, sizeof *p);
	jsOptions jo;
	char *subjects = NULL, sample[NATS_SUBJ_MAX];
	int e;

	*pp = NULL;
	if (!p)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (nspec_parse(&p->ns, spec, why, whylen) < 0)
		goto fail;
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = NATS_PUB_MAX;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = p;
	if (nconn_open(&p->c, &p->ns, "mkt", on_disconnect, on_reconnect, p,
	    &jo, why, whylen) < 0)
		goto fail;
	if (asprintf(&subjects, "%s.>", p->ns.subject) < 0) {
		subjects = NULL;
		errno = ENOMEM;
		goto fail;
	}
	sample_subject(p, sample, sizeof sample);
	if (ensure_stream(p, subjects, sample, why, whylen) < 0)
		goto fail;
	free(subjects);
	*pp = p;
	return 0;
fail:
	e = errno;
	free(subjects);
	nconn_close(&p->c);
	nspec_free(&p->ns);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	errno = e;
	return -1;
}

int
nats_pub_close(struct nats_pub *p, int64_t grace_ms)
{
	int rc = 0, e = 0;
	size_t i;

	if (!p)
		return 0;
	if (nats_pub_flush(p, grace_ms) < 0) {
		e = errno;
		rc = -1;
	}
	nconn_close(&p->c);
	for (i = 0; i < NATS_PUB_MAX; i++)
		free(p->ring[i].subj);
	nspec_free(&p->ns);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	errno = e;
	return rc;
}
