/*
 * nats: JetStream in and out (see nats.h).  This file holds what both
 * sides share: the spec, the connection, the stream.  natspub.c is the
 * output, natssub.c the input.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "nats.h"
#include "natsint.h"

int
nats_is_spec(const char *spec)
{
	return spec && strncmp(spec, "nats://", 7) == 0;
}

void
nats_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * libnats keeps library-wide state (its timer and flusher threads) that
 * nats_Close() tears down; an input and an output of one program share
 * it, so the last one closed tears it down (and a sanitizer build sees
 * no leak at exit).
 */
static pthread_mutex_t lib_mu = PTHREAD_MUTEX_INITIALIZER;
static int lib_users;

static void
lib_hold(void)
{
	pthread_mutex_lock(&lib_mu);
	lib_users++;
	pthread_mutex_unlock(&lib_mu);
}

static void
lib_release(void)
{
	int last;

	pthread_mutex_lock(&lib_mu);
	last = --lib_users == 0;
	pthread_mutex_unlock(&lib_mu);
	if (last)
		nats_CloseAndWait(2000);
}

static const char *const known_params[] = {
	"stream", "durable", "create", "max_age", "dup_window", "replicas",
	"template", "start", NULL,
};

/* A stream or consumer name: no '.', '*', '>' or white space. */
static int
name_ok(const char *s)
{
	if (!*s || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (*s == '.' || *s == '*' || *s == '>' || *s <= ' ' ||
		    *s == 0x7f)
			return 0;
	return 1;
}

/* A subject: dot-separated tokens of printable bytes, none empty, at
 * most NSPEC_SUBJECT_MAX bytes (an event's tokens are added to it). */
static int
subject_ok(const char *s)
{
	int tok = 0;

	if (!*s || strlen(s) > NSPEC_SUBJECT_MAX)
		return 0;
	for (; *s; s++) {
		if (*s <= ' ' || *s == 0x7f)
			return 0;
		if (*s == '.') {
			if (!tok)
				return 0;
			tok = 0;
		} else {
			tok++;
		}
	}
	return tok > 0;
}

static int
param_dur(const struct qs *q, const char *name, int64_t *ns, char *why,
    size_t whylen)
{
	const char *v = qs_get(q, name);
	int64_t ms;

	if (!v)
		return 0;
	if (dur_parse(v, &ms) < 0 || ms <= 0) {
		nats_why(why, whylen, "%s=%s: not a duration (2m, 7d)", name,
		    v);
		return -1;
	}
	*ns = ms * 1000000;
	return 0;
}

static int
parse_params(struct nspec *ns, char *why, size_t whylen)
{
	const struct qs *q = &ns->q;
	const char *v;
	int k;

	k = qs_unknown(q, known_params);
	if (k >= 0) {
		nats_why(why, whylen, "unknown parameter '%s' (known: stream, "
		    "durable, create, max_age, dup_window, replicas, template, "
		    "start)", q->name[k]);
		return -1;
	}
	ns->stream = qs_get(q, "stream") ? qs_get(q, "stream") : "MKT";
	if (!name_ok(ns->stream)) {
		nats_why(why, whylen, "stream '%s': not a stream name",
		    ns->stream);
		return -1;
	}
	ns->durable = qs_get(q, "durable");
	if (ns->durable && !name_ok(ns->durable)) {
		nats_why(why, whylen, "durable '%s': not a consumer name",
		    ns->durable);
		return -1;
	}
	v = qs_get(q, "create");
	if (v && strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
		nats_why(why, whylen, "create=%s: 0 or 1", v);
		return -1;
	}
	ns->create = v && strcmp(v, "1") == 0;
	if (param_dur(q, "max_age", &ns->max_age, why, whylen) < 0 ||
	    param_dur(q, "dup_window", &ns->dup_window, why, whylen) < 0)
		return -1;
	v = qs_get(q, "replicas");
	if (v) {
		char *end;
		long r = strtol(v, &end, 10);

		if (*end || r < 1 || r > 5) {
			nats_why(why, whylen, "replicas=%s: 1 to 5", v);
			return -1;
		}
		ns->replicas = r;
	}
	ns->tmpl = qs_get(q, "template");
	if (ns->tmpl && !subject_ok(ns->tmpl)) {
		nats_why(why, whylen, "template=%s: not a subject", ns->tmpl);
		return -1;
	}
	v = qs_get(q, "start");
	if (v && time_parse(v, &ns->start_ms) < 0) {
		nats_why(why, whylen, "start=%s: not a time", v);
		return -1;
	}
	ns->has_start = v != NULL;
	return 0;
}

/* HOST:PORT, the host of letters, digits, '.', '-', or an [IPv6]. */
static int
hostport_ok(const char *p, size_t n)
{
	size_t colon = n, i;
	long port = 0;

	while (colon > 0 && p[colon - 1] != ':')
		colon--;
	if (colon < 2 || colon == n || n - colon > 5)
		return 0;
	for (i = colon; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		port = port * 10 + (p[i] - '0');
	}
	if (port < 1 || port > 65535)
		return 0;
	for (i = 0; i + 1 < colon; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:", p[i]))
			return 0;
	return 1;
}

/* Split "host:port,host:port" into nats://host:port URLs. */
static int
parse_servers(struct nspec *ns, const char *p, size_t n, char *why,
    size_t whylen)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != ',')
			j++;
		if (j == i || ns->nservers == NSPEC_SERVERS ||
		    !hostport_ok(p + i, j - i)) {
			nats_why(why, whylen, "bad server '%.*s': want "
			    "HOST:PORT", (int)(j - i), p + i);
			return -1;
		}
		if (asprintf(&ns->servers[ns->nservers], "nats://%.*s",
		    (int)(j - i), p + i) < 0) {
			ns->servers[ns->nservers] = NULL;
			return -1;
		}
		ns->nservers++;
		i = j + 1;
	}
	if (!ns->nservers) {
		nats_why(why, whylen, "no server given");
		return -1;
	}
	return 0;
}

int
nspec_parse(struct nspec *ns, const char *spec, char *why, size_t whylen)
{
	const char *p = spec + 7, *slash, *qm;

	memset(ns, 0, sizeof *ns);
	qs_init(&ns->q);
	errno = EINVAL;
	slash = strchr(p, '/');
	if (!slash) {
		nats_why(why, whylen, "no subject (nats://HOST:PORT/SUBJECT)");
		return -1;
	}
	if (parse_servers(ns, p, (size_t)(slash - p), why, whylen) < 0)
		return -1;
	qm = strchr(slash, '?');
	ns->subject = strndup(slash + 1, qm ? (size_t)(qm - slash - 1) :
	    strlen(slash + 1));
	if (!ns->subject)
		return -1;
	if (!subject_ok(ns->subject)) {
		nats_why(why, whylen, "'%s': not a subject (tokens of "
		    "printable bytes joined by dots, at most 200 bytes)",
		    ns->subject);
		errno = EINVAL;
		return -1;
	}
	if (qm && qs_parse(&ns->q, qm + 1, strlen(qm + 1)) < 0) {
		nats_why(why, whylen, "bad parameters%s%s", ns->q.bad[0] ?
		    ": " : "", ns->q.bad);
		errno = EINVAL;
		return -1;
	}
	errno = EINVAL;
	return parse_params(ns, why, whylen);
}

int
nats_spec_stream(const char *spec, char *dst, size_t cap)
{
	struct nspec ns;
	int r = -1;

	if (nspec_parse(&ns, spec, NULL, 0) == 0 &&
	    (size_t)snprintf(dst, cap, "%s", ns.stream) < cap)
		r = 0;
	nspec_free(&ns);
	return r;
}

void
nspec_free(struct nspec *ns)
{
	int i;

	for (i = 0; i < ns->nservers; i++)
		free(ns->servers[i]);
	free(ns->subject);
	memset(ns, 0, sizeof *ns);
}

int
nconn_open(struct nconn *c, const struct nspec *ns, const char *name,
    natsConnectionHandler on_disc, natsConnectionHandler on_reconn,
    void *closure, const jsOptions *jo, char *why, size_t whylen)
{
	natsStatus s;
	jsOptions jopt;

	memset(c, 0, sizeof *c);
	lib_hold();
	c->held = 1;
	s = natsOptions_Create(&c->opts);
	if (s == NATS_OK)
		s = natsOptions_SetServers(c->opts, (const char **)ns->servers,
		    ns->nservers);
	if (s == NATS_OK)
		s = natsOptions_SetName(c->opts, name);
	/* Never give up on a server that is restarting: a collector waits
	 * (its writes wait) rather than losing what it has. */
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(c->opts, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(c->opts, 250);
	if (s == NATS_OK && on_disc)
		s = natsOptions_SetDisconnectedCB(c->opts, on_disc, closure);
	if (s == NATS_OK && on_reconn)
		s = natsOptions_SetReconnectedCB(c->opts, on_reconn, closure);
	if (s == NATS_OK)
		s = natsConnection_Connect(&c->nc, c->opts);
	if (s != NATS_OK) {
		nats_why(why, whylen, "cannot connect to %s: %s",
		    ns->servers[0], natsStatus_GetText(s));
		nconn_close(c);
		errno = ECONNREFUSED;
		return -1;
	}
	if (!jo) {
		jsOptions_Init(&jopt);
		jo = &jopt;
	}
	s = natsConnection_JetStream(&c->js, c->nc, (jsOptions *)jo);
	if (s != NATS_OK) {
		nats_why(why, whylen, "no JetStream: %s",
		    natsStatus_GetText(s));
		nconn_close(c);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

void
nconn_close(struct nconn *c)
{
	if (c->js)
		jsCtx_Destroy(c->js);
	if (c->nc) {
		/* Acks are publishes: make sure the server has them. */
		if (natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED)
			(void)natsConnection_FlushTimeout(c->nc, 2000);
		natsConnection_Close(c->nc);
		natsConnection_Destroy(c->nc);
	}
	if (c->opts)
		natsOptions_Destroy(c->opts);
	if (c->held)
		lib_release();
	memset(c, 0, sizeof *c);
}

int
nconn_failed(struct nconn *c, natsStatus st, jsErrCode jerr)
{
	c->last = st;
	c->last_jerr = jerr;
	return -1;
}

int
nconn_transient(const struct nconn *c)
{
	switch (c->last) {
	case NATS_TIMEOUT:
	case NATS_NO_RESPONDERS:
	case NATS_CONNECTION_DISCONNECTED:
		return 1;
	default:
		break;
	}
	switch (c->last_jerr) {
	case JSClusterIncompleteErr:
	case JSClusterNoPeersErr:
	case JSClusterNotAvailErr:
	case JSClusterNotLeaderErr:
		return 1;
	default:
		return 0;
	}
}

const char *
nconn_errtext(natsStatus st)
{
	const char *t = nats_GetLastError(NULL);

	return t && *t ? t : natsStatus_GetText(st);
}

/* A setting given in the spec that the existing stream does not have. */
static int
stream_differs(const struct nspec *ns, const jsStreamConfig *cf, char *why,
    size_t whylen)
{
	if (ns->max_age && cf->MaxAge != ns->max_age) {
		nats_why(why, whylen, "stream '%s' exists with max_age %llds, "
		    "not %llds", ns->stream,
		    (long long)(cf->MaxAge / 1000000000),
		    (long long)(ns->max_age / 1000000000));
		return 1;
	}
	if (ns->dup_window && cf->Duplicates != ns->dup_window) {
		nats_why(why, whylen, "stream '%s' exists with dup_window "
		    "%llds, not %llds", ns->stream,
		    (long long)(cf->Duplicates / 1000000000),
		    (long long)(ns->dup_window / 1000000000));
		return 1;
	}
	if (ns->replicas && cf->Replicas != ns->replicas) {
		nats_why(why, whylen, "stream '%s' exists with %lld replicas, "
		    "not %ld", ns->stream, (long long)cf->Replicas,
		    ns->replicas);
		return 1;
	}
	return 0;
}

static int
stream_create(struct nconn *c, const struct nspec *ns, const char *subjects,
    char *why, size_t whylen)
{
	jsStreamConfig cf;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	const char *subj[1] = { subjects };
	natsStatus s;

	jsStreamConfig_Init(&cf);
	cf.Name = ns->stream;
	cf.Subjects = subj;
	cf.SubjectsLen = 1;
	cf.Storage = js_FileStorage;
	cf.MaxAge = ns->max_age;
	cf.Duplicates = ns->dup_window;
	cf.Replicas = ns->replicas ? ns->replicas : 1;
	s = js_AddStream(&si, c->js, &cf, NULL, &jerr);
	if (si)
		jsStreamInfo_Destroy(si);
	if (s != NATS_OK) {
		nats_why(why, whylen, "cannot create stream '%s' for '%s': %s "
		    "(%d)", ns->stream, subjects, nconn_errtext(s), (int)jerr);
		errno = EPROTO;
		return nconn_failed(c, s, jerr);
	}
	return 0;
}

/* Does subject pattern pat (with * and >) match subject subj? */
static int
subject_match(const char *pat, const char *subj)
{
	while (*pat && *subj) {
		size_t pn = strcspn(pat, "."), sn = strcspn(subj, ".");

		if (pn == 1 && *pat == '>')
			return 1;
		if (!(pn == 1 && *pat == '*') &&
		    (pn != sn || memcmp(pat, subj, pn) != 0))
			return 0;
		pat += pn;
		subj += sn;
		if (*pat != *subj)
			return 0;
		if (*pat)
			pat++, subj++;
	}
	return !*pat && !*subj;
}

/* Does one of the stream's subjects take sample? */
static int
stream_takes(const jsStreamConfig *cf, const char *sample)
{
	int i;

	if (!sample)
		return 1;
	for (i = 0; i < cf->SubjectsLen; i++)
		if (subject_match(cf->Subjects[i], sample))
			return 1;
	return 0;
}

int
nstream_ensure(struct nconn *c, const struct nspec *ns, const char *subjects,
    const char *sample, char *why, size_t whylen)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s;
	int bad;

	s = js_GetStreamInfo(&si, c->js, ns->stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
		if (ns->create)
			return stream_create(c, ns, subjects, why, whylen);
		nats_why(why, whylen, "no stream '%s' on the server (create=1 "
		    "creates it)", ns->stream);
		errno = ENOENT;
		return nconn_failed(c, s, jerr);
	}
	if (s != NATS_OK) {
		nats_why(why, whylen, "cannot read stream '%s': %s",
		    ns->stream, nconn_errtext(s));
		errno = EPROTO;
		return nconn_failed(c, s, jerr);
	}
	bad = stream_differs(ns, si->Config, why, whylen);
	if (!bad && !stream_takes(si->Config, sample)) {
		nats_why(why, whylen, "stream '%s' does not take subject '%s' "
		    "(its subjects: %s%s)", ns->stream, sample,
		    si->Config->SubjectsLen ? si->Config->Subjects[0] : "none",
		    si->Config->SubjectsLen > 1 ? ", ..." : "");
		bad = 1;
	}
	jsStreamInfo_Destroy(si);
	if (bad) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
