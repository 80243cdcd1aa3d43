/*
 * restxfer: one libcurl easy handle of the REST scheduler in rest.c,
 * and what one transfer on it needs: the request put into libcurl's
 * options (method, body, header lines, timeout), the answer's body and
 * the headers read from it, whether the request may have left, and the
 * reason of a failure.  Private to net/: rest.h is the interface.
 */
#ifndef MKT_RESTXFER_H
#define MKT_RESTXFER_H

#include <stdint.h>

#include <curl/curl.h>

#include "base/attr.h"
#include "base/buf.h"
#include "rest.h"

struct rest_xfer {
	CURL *easy;		/* created on first use, then reused */
	struct rest_req *q;	/* NULL: free */
	struct buf body;
	struct curl_slist *hdrs;	/* this transfer's header lines */
	int used_weight;	/* X-MBX-USED-WEIGHT-1M, -1 if absent */
	int64_t start;
	int64_t retry_after;	/* Retry-After seconds, -1 if absent */
	int toobig;
	int finished;
	int once;		/* refuse libcurl's own resend */
	int prereqs;		/* times libcurl was about to send it */
	CURLcode result;
	char curl_err[CURL_ERROR_SIZE];
};

/* Each function's contract is at its definition in restxfer.c. */
int xfer_setup(struct rest_xfer *x, const char *ca_file) WUR;
int xfer_req_ok(const struct rest_req *q);
int xfer_load(struct rest_xfer *x, struct rest_req *q) WUR;
void xfer_unload(struct rest_xfer *x);
int xfer_maybe_sent(const struct rest_xfer *x, int status);
void xfer_error(struct rest_req *q, const struct rest_xfer *x);
void xfer_destroy(struct rest_xfer *x);

#endif
