/*
 * tvt: the venue trade codecs' results as text, for the unit tests of
 * both venues' codecs (t_trade_binance, t_trade_bybit): an update in one
 * line with every member of its kind, an answer's updates a line each,
 * and an order to build a request of.  The strings live in static
 * buffers: fx's in eight rotating ones, the others until the next call.
 */
#ifndef MKT_TVT_H
#define MKT_TVT_H

#include "base/fixed.h"
#include "venue/trade.h"

const char *tvt_fx(struct fx v);
const char *tvt_show(const struct vt_update *u);
const char *tvt_all(const struct vt_answer *a);
struct vt_order tvt_order(const char *symbol, const char *cid,
    enum vt_side side, enum vt_kind kind, enum vt_tif tif, const char *qty,
    const char *price);

#endif
