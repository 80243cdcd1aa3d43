/*
 * sig: the stop flag set by SIGINT/SIGTERM, a self-pipe for event loops,
 * and SIGPIPE ignored (see sig.h).  The handler only stores the signal
 * number, counts, and writes one byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t stop_count;
static int pipe_fd[2] = { -1, -1 };

static void
on_stop(int sig)
{
	int e = errno;
	char c = (char)sig;
	ssize_t n;

	stop_sig = sig;
	/* Both stop signals are blocked in here: no increment is lost. */
	if (stop_count < 1000)
		stop_count++;
	/* A full pipe already says it: then the byte is not needed. */
	n = pipe_fd[1] >= 0 ? write(pipe_fd[1], &c, 1) : 0;
	(void)n;
	errno = e;
}

int
sig_init(void)
{
	struct sigaction sa;

	if (pipe_fd[0] < 0 && pipe2(pipe_fd, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
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

int
sig_stop_count(void)
{
	return stop_count;
}

int
sig_fd(void)
{
	return pipe_fd[0];
}

void
sig_drain(void)
{
	char b[64];

	while (pipe_fd[0] >= 0 && read(pipe_fd[0], b, sizeof b) > 0)
		;
}
