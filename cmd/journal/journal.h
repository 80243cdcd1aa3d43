/*
 * mkt-journal's parts: main.c reads the command line and runs one
 * command; append.c is `append`; admin.c the commands that read a
 * journal or look after it (ls, stats, verify, reindex, prune, query).
 */
#ifndef MKT_CMD_JOURNAL_H
#define MKT_CMD_JOURNAL_H

#include <stdint.h>

#include "store/history.h"
#include "store/journal.h"

struct jhistory;

struct opts {
	const char *cmd, *dir;
	const char *input, *ack;
	int64_t sync, stats;		/* ms; stats -1: none */
	const char *metrics;		/* append --metrics FILE */
	int64_t period;			/* ms of --stats/--metrics; -1 */
	struct journal_opts j;
	int json, verbose;
	int no_recover;			/* verify: change nothing */
	int64_t keep_raw, keep_minutes;	/* ms; -1: not given */
	int64_t now;			/* ms; -1: the clock */
	const char *what;		/* query: series, latest, symbols */
	struct history_series_q q;	/* query options */
	int has_pct;
	enum history_format format;
};

/* Recovery and reindex notes, on stderr (ctx: the directory). */
void on_note(void *ctx, const char *msg);

/* Start keeping the history tables of the journal j (a writer), caught
 * up with its index; exits on failure. */
struct jhistory *hist_open(const struct opts *o, struct journal *j);

/* The commands: each returns the exit status. */
int cmd_append(const struct opts *o);
int cmd_ls(const struct opts *o);
int cmd_stats(const struct opts *o);
int cmd_verify(const struct opts *o);
int cmd_reindex(const struct opts *o);
int cmd_prune(const struct opts *o);
int cmd_query(const struct opts *o);

#endif
