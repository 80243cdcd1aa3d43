/*
 * vinstr: what the venues' instrument list parsers share (venue.h,
 * venue_instruments_parse_fn): the rules read from a venue's fields
 * into a struct instrument (event/instrument.h), exactly.
 */
#ifndef MKT_VINSTR_H
#define MKT_VINSTR_H

#include <stddef.h>

#include "base/attr.h"
#include "base/json.h"
#include "event/instrument.h"
#include "venue/venue.h"

/*
 * Start an instrument of market m named by item's string member `key`
 * (the symbol): in zeroed, venue, market and symbol set.  0, or -1
 * with the reason in why.
 */
int vinstr_begin(struct instrument *in, const struct venue_market *m,
    const struct json_obj *item, const char *key, char *why,
    size_t whylen) WUR;

/*
 * The rule `bit` of in (INSTR_*), dst its field, from o's member key: a
 * decimal as a string or a number.  Absent, null, "" or 0 is no rule
 * (the venues write 0 for a rule they do not apply), which leaves in as
 * it was.  0, or -1 with the reason in why (naming the symbol and key).
 */
int vinstr_rule(struct instrument *in, struct fx *dst, unsigned bit,
    const struct json_obj *o, const char *key, char *why,
    size_t whylen) WUR;

/*
 * Record the object value v (an element of a validated list) into o.
 * 0, or -1 with the reason in why (what names the list).
 */
int vinstr_object(const struct json_span *v, struct json_obj *o,
    const char *what, char *why, size_t whylen) WUR;

#endif
