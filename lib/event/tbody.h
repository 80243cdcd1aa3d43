/*
 * tbody: an intent or a cancel that comes as one JSON object from
 * elsewhere than a stream (mkt-serve's POST /api/intent and
 * /api/cancel), made the one event line mkt-risk reads.  The object's
 * "type" may be left out and is then written first; an "id" left out is
 * the caller's, written after the type; the rest of the object is kept
 * as it came, its line breaks made spaces.  The line is then read as
 * mkt-risk reads it (tevent_intent, tevent_cancel), so what is refused
 * here would have been refused there.
 */
#ifndef MKT_TBODY_H
#define MKT_TBODY_H

#include <stddef.h>

#include "base/attr.h"
#include "base/buf.h"
#include "event/tevent.h"

struct tbody {
	struct buf line;		/* the event and its '\n' */
	char id[TEV_ID_MAX + 1];	/* the event's id */
	char field[64];			/* the bad field; "body": not JSON */
	char why[256];			/* what is wrong with it */
};

/* Empty, the line at most max bytes. */
void tbody_init(struct tbody *tb, size_t max);
void tbody_free(struct tbody *tb);

/*
 * Make body[0..n) an event line of type ("intent" or "cancel"), with
 * newid as the id when the body has none.  0, or -1 with field and why
 * (ENOMEM in errno when the line did not fit, else EINVAL).
 */
int tbody_line(struct tbody *tb, const char *body, size_t n,
    const char *type, const char *newid) WUR;

#endif
