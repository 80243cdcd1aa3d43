/*
 * norm: what the venue normalizers (binance, bybit) share -- reading the
 * fields of a venue message and writing them into an mkt event, with
 * the exchange's digits kept and every number checked as the event
 * readers will check it, and reasons prefixed with the message kind.
 */
#ifndef MKT_NORM_H
#define MKT_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "base/fixed.h"
#include "base/json.h"

/* Arrays a message's fast pass may consume (bids, asks, a trade list). */
#define NORM_DONE_MAX 8

struct norm {
	const char *kind;	/* what reasons name: "depthUpdate", a topic */
	const char *pair;	/* the venue's word for a level: "[price, qty]" */
	struct buf *out;
	char *why;
	size_t whylen;
	/*
	 * The fast pass (see norm_run): the message was scanned by
	 * json_parse_object_nested(), so its arrays are unchecked until a
	 * reader validates them; those validated are listed in done.  Any
	 * -1 in this pass only means "take the plain pass".
	 */
	int fast;
	int ndone;
	const struct json_span *done[NORM_DONE_MAX];
};

/*
 * The normalizers decode a message in one pass: a lazy scan that records
 * the members of the message and of its wrapped payload together, then
 * level arrays validated and copied in the same walk (decimals in the
 * plain form exchanges write: digits, one point, up to 36 characters).
 * Whatever that pass does not take (another form of number, whitespace
 * or escapes in a level array, invalid JSON, any error at all) is
 * decided by the plain pass -- a full validating scan, then the fields
 * read one by one -- from scratch, so results, reasons included, are
 * those of the plain pass.  Tests and fuzzers ask for the plain pass
 * alone (NORM_PLAIN) to compare the two.
 */
enum norm_mode { NORM_ONE_PASS, NORM_PLAIN };

/* A normalizer's two passes over one message, on its own state m. */
struct norm_passes {
	void (*begin)(void *m, int fast);	/* reset m; calls norm_begin */
	int (*fast)(void *m, const char *msg, size_t n);
	int (*plain)(void *m, const char *msg, size_t n);
};

/*
 * Normalize msg with p on m (whose struct norm is nm, its out, why and
 * pair set): the fast pass first unless mode is NORM_PLAIN, then the
 * plain pass if the fast one did not take it.  Returns the pass's
 * result; on -1 (the reason in nm->why) nm->out is as it was.
 */
int norm_run(struct norm *nm, enum norm_mode mode,
    const struct norm_passes *p, void *m, const char *msg, size_t n);

/* Start a pass: fast (nonzero) or plain. */
void norm_begin(struct norm *m, int fast);

/*
 * Fast pass: validate every member of o that is still unchecked and was
 * not consumed (depth: 2 for the message's own members, 3 for those of
 * its nested payload).  0, or -1 (the plain pass decides).
 */
int norm_check_rest(struct norm *m, const struct json_obj *o, int depth);

/*
 * Fast pass: make the array s (a member of a lazily scanned object)
 * safe to iterate -- validated in full and counted as consumed.  0, or -1
 * (the plain pass decides).  In the plain pass a no-op.
 */
int norm_check_array(struct norm *m, const struct json_span *s, int depth);

/* Set the reason ("KIND: ..."); returns -1. */
int norm_fail(struct norm *m, const char *fmt, ...) ERR_PRINTF(2, 3);

/* o[key], or NULL with the reason "missing field 'key'". */
const struct json_span *norm_need(struct norm *m, const struct json_obj *o,
    const char *key);

/* A non-negative integer (or a string holding one). 0 or -1. */
int norm_int(struct norm *m, const struct json_obj *o, const char *key,
    int64_t *v);

/* A decimal as the exchange wrote it (string or number): FX_*. */
int norm_decimal(const struct json_span *v, struct fx *x);
const char *norm_fx_reason(int r);

/* ,"name": */
void norm_key(struct norm *m, const char *name);
/* ,"name":v */
void norm_put_int(struct norm *m, const char *name, int64_t v);
/* ,"name":digits -- a non-negative decimal field, digits verbatim. */
int norm_put_dec(struct norm *m, const char *name, const struct json_obj *o,
    const char *key);
/* ,"name":[[p,q],...] from the level array o[key]. */
int norm_put_levels(struct norm *m, const char *name,
    const struct json_obj *o, const char *key);

#endif
