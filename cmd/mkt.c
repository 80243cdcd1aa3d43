/*
 * mkt: the front end.  `mkt NAME ARGS...` runs `mkt-NAME ARGS...`, looked
 * up first beside this program, then in PATH (as git runs its dashed
 * commands).  Its usage lists every program with the summary of its man
 * page's NAME section (tests/0150-mkt-help.sh holds them equal).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog/err.h"

static const char usage_text[] =
    "usage: mkt NAME [ARGS...]\n"
    "       mkt -h | --help | --version\n"
    "\n"
    "Runs mkt-NAME with ARGS.  Programs (see mkt-NAME(1)):\n"
    "  feed     exchange market data as mkt events\n"
    "  book     keep order books from snapshot and depth events\n"
    "  depth    liquidity within percentage bands of the best price\n"
    "  diff     bid and ask imbalance per depth band\n"
    "  candles  candles of the trades, per symbol and window of event time\n"
    "  exec     turn intents into orders, exactly once\n"
    "  journal  store events durably in a compressed, indexed journal\n"
    "  reconcile  compare the state store with the venue, and repair what "
    "is named\n"
    "  replay   read the events of a journal, in order\n"
    "  report   trades, pnl, win rate, drawdown and streaks of a state store\n"
    "  alert    alerts for fills, stops, halts, rejects and disconnects\n"
    "  risk     check intents against pre-trade limits\n"
    "  serve    an HTTP API and a chart page over a journal and a state store\n"
    "  sim      local exchange serving the venues' market data protocols\n"
    "  strat-arb    example strategy: arbitrage of one symbol between two "
    "venues\n"
    "  strat-tri    example strategy: triangular arbitrage on one venue\n"
    "  strat-hedge  example strategy: a resting order hedged on another "
    "venue\n"
    "\n"
    "See mkt(7).\n";

/* Try dir/mkt-NAME; returns only when it could not be run. */
static void
exec_in(const char *dir, size_t dn, const char *name, char **argv)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%.*s/mkt-%s", (int)dn, dir, name);

	if (n < 0 || (size_t)n >= sizeof path)
		return;
	argv[0] = path;
	execv(path, argv);
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n;
	const char *name, *slash;
	char cmd[PATH_MAX];

	err_init("mkt");
	if (argc < 2)
		die_usage("no program named");
	name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0) {
		printf("mkt %s\n", MKT_VERSION);
		return 0;
	}
	if (name[0] == '-' || strchr(name, '/'))
		die_usage("bad program name '%s'", name);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			exec_in(self, (size_t)(slash - self), name, argv + 1);
	}
	/* Then PATH, as a shell would. */
	if (snprintf(cmd, sizeof cmd, "mkt-%s", name) >= (int)sizeof cmd)
		die_usage("bad program name '%s'", name);
	argv[1] = cmd;
	execvp(cmd, argv + 1);
	if (errno == ENOENT)
		die_usage("'%s' is not a mkt program", name);
	die_errno("cannot run '%s'", cmd);
}
