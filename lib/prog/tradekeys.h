/*
 * tradekeys: what every program that signs venue requests does first
 * (mkt-exec, mkt-reconcile): refuse a production host without --live,
 * and load the API key into a vt_keys.  Dies on failure (prog layer).
 */
#ifndef MKT_TRADEKEYS_H
#define MKT_TRADEKEYS_H

#include "net/secret.h"
#include "venue/trade.h"
#include "venue/venue.h"

/* A production REST host of m without live: a usage error (exit 2). */
void tradekeys_check_host(const struct venue_market *m, int live);

/* The key from key_file, else systemd credentials, else the
 * environment, into s (secret_free() it) and vk (pointing into s). */
void tradekeys_load(struct secret *s, struct vt_keys *vk,
    const char *key_file);

#endif
