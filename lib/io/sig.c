/*
 * sig: the stop flag set by SIGINT/SIGTERM, and SIGPIPE ignored (see
 * sig.h).  The handler only stores the signal number.
 */
#include <signal.h>
#include <string.h>

#include "sig.h"

static volatile sig_atomic_t stop_sig;

static void
on_stop(int sig)
{
	stop_sig = sig;
}

int
sig_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read(2) must return EINTR. */
	sa.sa_flags = 0;
	sa.sa_handler = on_stop;
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	return 0;
}

int
sig_stop_requested(void)
{
	return stop_sig;
}
