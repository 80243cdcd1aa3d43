/*
 * natsint: what nats.c, natspub.c and natssub.c share, and no one else.
 */
#ifndef MKT_NATSINT_H
#define MKT_NATSINT_H

#include <nats/nats.h>
#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/qs.h"

#define NSPEC_SERVERS 8
#define NATS_SUBJ_MAX 512	/* room for a subject */
#define NSPEC_SUBJECT_MAX 200	/* the longest subject or template given */
#define NATS_ID_MAX 320		/* room for a message id */

/* A parsed nats:// spec; names point into q's store. */
struct nspec {
	char *servers[NSPEC_SERVERS];	/* nats://HOST:PORT */
	int nservers;
	char *subject;		/* output prefix or input filter */
	struct qs q;
	const char *stream, *durable, *tmpl;
	int create;
	int64_t max_age, dup_window;	/* ns; 0: not given */
	long replicas;			/* 0: not given */
	int has_start;
	int64_t start_ms;
};

struct nconn {
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	int held;		/* holds the library (lib_hold) */
	/* The last JetStream call that failed, for nconn_transient(). */
	natsStatus last;
	jsErrCode last_jerr;
};

void nats_why(char *why, size_t whylen, const char *fmt, ...)
    ERR_PRINTF(3, 4);

/* Parse "nats://..."; 0, or -1 with errno and why. nspec_free after. */
int nspec_parse(struct nspec *ns, const char *spec, char *why,
    size_t whylen) WUR;
void nspec_free(struct nspec *ns);

/* Connect (reconnecting for ever) and make the JetStream context;
 * jo: its options (NULL: defaults). 0, or -1 with errno and why. */
int nconn_open(struct nconn *c, const struct nspec *ns, const char *name,
    natsConnectionHandler on_disc, natsConnectionHandler on_reconn,
    void *closure, const jsOptions *jo, char *why, size_t whylen) WUR;
void nconn_close(struct nconn *c);

/* Record a failed JetStream call; returns -1. */
int nconn_failed(struct nconn *c, natsStatus st, jsErrCode jerr);

/*
 * Did the last JetStream call fail for a while only (a timeout, no
 * responder yet, a cluster electing its leader)?  Then the caller
 * tries again, up to NCONN_RETRY_MS.
 */
int nconn_transient(const struct nconn *c);
#define NCONN_RETRY_MS 60000

/* A failed call's words: the library's last error, else the status. */
const char *nconn_errtext(natsStatus st);

/* The spec's stream exists (made, with subjects, when create=1), has
 * the settings the spec gives, and takes subject sample (NULL: any).
 * 0, or -1 with errno and why. */
int nstream_ensure(struct nconn *c, const struct nspec *ns,
    const char *subjects, const char *sample, char *why, size_t whylen) WUR;

/*
 * Where an event line goes: its subject (the spec's template, or its
 * prefix and the event's venue, market, symbol and type, each a token
 * made safe) and its message id (natspub.c).  Any bytes are taken: a
 * line that is not an event gets SUBJECT.other and a hash.
 */
void nats_route(const struct nspec *ns, const char *line, size_t len,
    char *subj, size_t subjcap, char *id, size_t idcap);

#endif
