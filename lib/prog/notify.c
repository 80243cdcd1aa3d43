/*
 * notify: sd_notify(3) messages for systemd units (see notify.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "base/timeutil.h"
#include "io/sig.h"
#include "prog/err.h"
#include "prog/notify.h"

/* A whole positive decimal, or 0. */
static uint64_t
env_number(const char *name)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return 0;
	return v;
}

/*
 * The watchdog's interval in microseconds when it is ours to ping: libsystemd
 * accepts it when $WATCHDOG_PID is unset or ours; a stage of the shell
 * pipeline that is the unit's main process sees the shell's pid, its
 * parent's.  0: no watchdog.
 */
static uint64_t
watchdog_usec(void)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	if (r > 0)
		return usec;
	if (r < 0 || env_number("WATCHDOG_PID") != (uint64_t)getppid())
		return 0;
	return env_number("WATCHDOG_USEC");
}

static void
send_msg(struct notify *n, const char *msg)
{
	int r;

	if (!n->on)
		return;
	r = sd_notify(0, msg);
	if (r >= 0 || n->failed)
		return;
	n->failed = 1;
	errno = -r;
	warn_errno("cannot notify systemd at '%s'", getenv("NOTIFY_SOCKET"));
}

/* "HEAD" and a STATUS= line from fmt, one line whatever fmt gives. */
static void
send_status(struct notify *n, const char *head, const char *fmt, va_list ap)
{
	char msg[512];
	size_t i;
	int k;

	k = snprintf(msg, sizeof msg, "%sSTATUS=", head);
	if (k < 0 || (size_t)k >= sizeof msg)
		return;
	vsnprintf(msg + k, sizeof msg - k, fmt, ap);
	for (i = k; msg[i]; i++)
		if (msg[i] == '\n')
			msg[i] = ' ';
	send_msg(n, msg);
}

void
notify_init(struct notify *n)
{
	uint64_t usec;

	memset(n, 0, sizeof *n);
	n->on = getenv("NOTIFY_SOCKET") != NULL;
	usec = n->on ? watchdog_usec() : 0;
	/* Half the interval, as sd_watchdog_enabled(3) advises. */
	n->every_ms = usec ? (int64_t)(usec / 2000) : 0;
	if (usec && n->every_ms < 1)
		n->every_ms = 1;
	n->next_ms = time_mono_ms();
}

static void
on_timer(struct loop_timer *t, void *ctx)
{
	struct notify *n = ctx;

	send_msg(n, "WATCHDOG=1");
	if (loop_timer_in(n->loop, t, n->every_ms) < 0)
		die_nomem();
}

int
notify_attach(struct notify *n, struct loop *l)
{
	n->loop = l;
	loop_timer_init(&n->timer, on_timer, n);
	if (!n->every_ms)
		return 0;
	return loop_timer_in(l, &n->timer, 0);
}

void
notify_detach(struct notify *n)
{
	if (n->loop)
		loop_timer_stop(n->loop, &n->timer);
	n->loop = NULL;
}

void
notify_ready(struct notify *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_status(n, "READY=1\n", fmt, ap);
	va_end(ap);
}

void
notify_status(struct notify *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_status(n, "", fmt, ap);
	va_end(ap);
}

void
notify_stopping(struct notify *n)
{
	if (n->stopping)
		return;
	n->stopping = 1;
	send_msg(n, "STOPPING=1\nSTATUS=stopping");
}

int64_t
notify_wait_ms(const struct notify *n, int64_t now)
{
	if (!n->every_ms)
		return -1;
	return n->next_ms > now ? n->next_ms - now : 0;
}

void
notify_tick(struct notify *n, int64_t now)
{
	if (sig_stop_requested())
		notify_stopping(n);
	if (!n->every_ms || now < n->next_ms)
		return;
	send_msg(n, "WATCHDOG=1");
	n->next_ms = now + n->every_ms;
}
