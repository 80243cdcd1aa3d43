/*
 * t_jreplay: a journal's order and fill events replayed into a state
 * store -- the rules of jreplay.h on hand-made journals: only the
 * venue:market asked for, a final status held until its fills are in
 * the store, a later status recorded, never one going back, the seq
 * recorded and a second replay changing nothing, a replay that fails
 * leaving the store as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "store/journal.h"
#include "store/jreplay.h"
#include "store/state.h"
#include "tap.h"

static char dir[] = "/tmp/t_jreplay.XXXXXX";
static char err[512];

#define PLACE "\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"BTCUSDT\""
#define ORD(t, id, st, fq) "{\"type\":\"order\"," PLACE ",\"time\":" #t \
	",\"id\":\"" id "\",\"client_id\":\"" id "\",\"side\":\"buy\"," \
	"\"kind\":\"limit\",\"qty\":2,\"price\":100,\"tif\":\"GTC\"," \
	"\"status\":\"" st "\",\"filled_qty\":" #fq "}"
#define FILL(t, id, tid, q) "{\"type\":\"fill\"," PLACE ",\"time\":" #t \
	",\"id\":\"" id "\",\"client_id\":\"" id "\",\"trade_id\":\"" tid \
	"\",\"side\":\"buy\",\"price\":100,\"qty\":" #q ",\"fee\":0}"

/* Append the lines to the journal jname under dir. */
static int
append(const char *jname, const char *const *lines, size_t n)
{
	static struct event ev;
	struct journal_opts o;
	struct journal *j;
	char path[300], what[256], why[256];
	size_t i;

	snprintf(path, sizeof path, "%s/%s", dir, jname);
	journal_opts_init(&o);
	if (journal_open(&j, path, &o, what, sizeof what) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (event_parse(lines[i], strlen(lines[i]), &ev, why,
		    sizeof why) < 0 ||
		    journal_append(j, lines[i], strlen(lines[i]), &ev) < 0) {
			/* The append's failure is the one to tell. */
			if (journal_close(j) == 0)
				errno = EINVAL;
			return -1;
		}
	return journal_close(j);
}

static int
replay(struct state *s, const char *jname, struct jreplay_counts *c)
{
	char path[300];

	snprintf(path, sizeof path, "%s/%s", dir, jname);
	err[0] = '\0';
	return jreplay_run(s, path, "binance", "spot", 1000, c, err,
	    sizeof err);
}

static void
test_rules(struct state *s)
{
	static const char *const lines[] = {
		ORD(10, "a", "pending", 0),
		ORD(11, "a", "new", 0),
		/* Another market's: not this store's. */
		"{\"type\":\"fill\",\"venue\":\"binance\",\"market\":"
		"\"futures\",\"symbol\":\"BTCUSDT\",\"time\":12,\"client_id\":"
		"\"z\",\"trade_id\":\"t9\",\"side\":\"buy\",\"price\":1,"
		"\"qty\":1}",
		/* Final before its second fill is journaled: held. */
		FILL(13, "a", "t1", 1),
		ORD(14, "a", "filled", 2),
		FILL(15, "a", "t2", 1),
		ORD(16, "a", "filled", 2),
		/* Going back is never recorded. */
		ORD(17, "a", "new", 0),
	};
	struct state_intent_row r;
	struct state_position_row p;
	struct jreplay_counts c;

	tap_ok(append("j1", lines, sizeof lines / sizeof lines[0]) == 0,
	    "a journal of eight events");
	tap_ok(replay(s, "j1", &c) == 0, "replayed: %s", err);
	tap_ok(c.from_seq == 0 && c.next_seq == 8 && c.events == 7 &&
	    c.intents == 1 && c.fills == 2 && c.statuses == 2,
	    "seq 0 to 8, 7 events of binance:spot, 1 intent, 2 fills, "
	    "2 statuses (got %lld to %lld, %llu %llu %llu %llu)",
	    (long long)c.from_seq, (long long)c.next_seq,
	    (unsigned long long)c.events, (unsigned long long)c.intents,
	    (unsigned long long)c.fills, (unsigned long long)c.statuses);
	tap_ok(state_intent_get(s, "a", &r, err, sizeof err) == 1 &&
	    !strcmp(r.state, STATE_DONE) && !strcmp(r.status, "filled") &&
	    !strcmp(r.filled_qty, "2") && r.sent_ms == 10,
	    "the intent is back, sent at its first event, filled");
	tap_ok(state_position_get(s, "binance", "spot", "BTCUSDT", &p, err,
	    sizeof err) == 1 && !strcmp(p.qty, "2"),
	    "its fills moved the position");
	tap_ok(state_position_get(s, "binance", "futures", "BTCUSDT", &p, err,
	    sizeof err) == 0, "another market's fill is not taken");
	tap_ok(replay(s, "j1", &c) == 0 && c.events == 0 &&
	    c.from_seq == 8 && c.next_seq == 8, "a second replay reads "
	    "nothing");
}

/* An event that cannot be read stops the replay; nothing of it is
 * kept.  A journal that is not there is an error. */
static void
test_failure(struct state *s)
{
	static const char *const lines[] = {
		FILL(20, "b", "t3", 1),
		ORD(21, "b", "lost", 0),
	};
	struct state_position_row p;
	struct jreplay_counts c;

	tap_ok(append("j2", lines, 2) == 0, "a journal with a bad event");
	tap_ok(replay(s, "j2", &c) < 0, "the replay fails");
	tap_ok(strstr(err, "seq 1: field 'status' is 'lost'") != NULL,
	    "naming the seq: %s", err);
	tap_ok(state_position_get(s, "binance", "spot", "BTCUSDT", &p, err,
	    sizeof err) == 1 && !strcmp(p.qty, "2"),
	    "the fill before it is not kept");
	tap_ok(replay(s, "nosuch", &c) < 0 && errno == ENOENT &&
	    strstr(err, "cannot open the journal") != NULL,
	    "a journal that is not there: %s", err);
}

int
main(void)
{
	struct state *s;
	char path[300];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/s.db", dir);
	if (state_open(&s, path, err, sizeof err) < 0) {
		fprintf(stderr, "t_jreplay: %s\n", err);
		return 1;
	}
	test_rules(s);
	test_failure(s);
	state_close(s);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
