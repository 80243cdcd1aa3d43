/*
 * unix-producer: a test producer for unix: outputs.  Listens on PATH,
 * waits for READERS readers, writes EVENTS numbered NDJSON lines of about
 * 200 bytes, and reports on standard error how many readers were dropped
 * and its peak resident memory:
 *
 *	unix-producer PATH READERS EVENTS [QUEUE_MAX [RATE]]
 *	dropped=D peak_rss_kb=K
 *
 * RATE (events per second, in bursts of BURST) keeps the stream at a
 * pace a reader in a scripting language can follow; 0 or none means as
 * fast as possible.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "prog/err.h"
#include "io/out.h"
#include "io/sig.h"
#include "base/timeutil.h"

/* How long to wait for the readers: a bound on a hang, not a pace. */
#define WAIT_MS 120000
#define PAD 150
#define BURST 100

static long
parse_num(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		die_usage("bad %s: '%s'", what, s);
	return v;
}

/* Peak resident set size in KiB (VmHWM), or -1. */
static long
peak_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

int
main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000000 }, ts;
	char spec[4096], pad[PAD + 1];
	long readers, events, n, rate = 0;
	size_t queue_max = 0;
	int64_t deadline, start, due, now;
	struct out *o;
	struct buf b;

	err_init("unix-producer");
	if (argc < 4 || argc > 6)
		die_usage("usage: unix-producer PATH READERS EVENTS "
		    "[QUEUE_MAX [RATE]]");
	readers = parse_num(argv[2], "READERS");
	events = parse_num(argv[3], "EVENTS");
	if (argc >= 5)
		queue_max = (size_t)parse_num(argv[4], "QUEUE_MAX");
	if (argc >= 6)
		rate = parse_num(argv[5], "RATE");
	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	snprintf(spec, sizeof spec, "unix:%s", argv[1]);
	if (out_open(&o, spec, queue_max) < 0)
		die_errno("cannot listen on '%s'", argv[1]);

	deadline = time_now_ms() + WAIT_MS;
	while (out_readers(o) < (unsigned long)readers) {
		if (out_flush(o) < 0)
			die_errno("flush");
		if (out_readers(o) >= (unsigned long)readers)
			break;
		if (time_now_ms() > deadline || sig_stop_requested())
			die("%lu of %ld readers connected",
			    out_readers(o), readers);
		nanosleep(&tick, NULL);
	}

	memset(pad, 'x', PAD);
	pad[PAD] = '\0';
	buf_init(&b, 1024);
	start = time_now_us();
	for (n = 0; n < events && !sig_stop_requested(); n++) {
		if (rate > 0 && n % BURST == 0) {
			due = start + n * 1000000 / rate;
			now = time_now_us();
			if (due > now) {
				ts.tv_sec = (due - now) / 1000000;
				ts.tv_nsec = (due - now) % 1000000 * 1000;
				nanosleep(&ts, NULL);
			}
		}
		buf_reset(&b);
		buf_adds(&b, "{\"type\":\"x\",\"n\":");
		buf_addi(&b, n);
		buf_adds(&b, ",\"pad\":\"");
		buf_add(&b, pad, PAD);
		buf_adds(&b, "\"}\n");
		if (buf_failed(&b))
			die_nomem();
		if (out_write(o, b.p, b.len) < 0)
			die_errno("write");
	}
	buf_free(&b);
	fprintf(stderr, "dropped=%lu peak_rss_kb=%ld\n", out_dropped(o),
	    peak_rss_kb());
	if (out_close(o) < 0)
		die_errno("close");
	return 0;
}
