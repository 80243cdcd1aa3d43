/*
 * unix-producer: a test producer for unix: outputs.  Listens on PATH,
 * waits for READERS readers, writes EVENTS numbered NDJSON lines of about
 * 200 bytes, and reports on standard error how many readers were dropped
 * and its peak resident memory:
 *
 *	unix-producer PATH READERS EVENTS [QUEUE_MAX [RATE [FOLLOW]]]
 *	dropped=D peak_rss_kb=K
 *
 * RATE (events per second, in bursts of BURST) keeps the stream at a
 * pace a reader in a scripting language can follow; 0 or none means as
 * fast as possible.  FOLLOW names a file in which one reader keeps the
 * count of bytes it has received (a decimal number at its start): the
 * producer stays at most LAG bytes ahead of that reader, so that a busy
 * machine that runs it late never makes it fall a whole queue behind.
 * The other readers are not waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "prog/err.h"
#include "io/out.h"
#include "io/sig.h"
#include "base/timeutil.h"

/* How long to wait for the readers: a bound on a hang, not a pace. */
#define WAIT_MS 120000
#define PAD 150
#define BURST 100
#define LAG (256 * 1024)

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

/* The count of bytes the followed reader has received, or -1. */
static long long
followed(int fd)
{
	char b[32];
	ssize_t n;

	n = pread(fd, b, sizeof b - 1, 0);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	return strtoll(b, NULL, 10);
}

int
main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000000 }, ts;
	char spec[4096], pad[PAD + 1];
	struct timespec nap = { 0, 1000000 };
	long long sent = 0;
	long readers, events, n, rate = 0;
	int follow = -1;
	size_t queue_max = 0;
	int64_t deadline, start, due, now;
	struct out *o;
	struct buf b;

	err_init("unix-producer");
	if (argc < 4 || argc > 7)
		die_usage("usage: unix-producer PATH READERS EVENTS "
		    "[QUEUE_MAX [RATE [FOLLOW]]]");
	readers = parse_num(argv[2], "READERS");
	events = parse_num(argv[3], "EVENTS");
	if (argc >= 5)
		queue_max = (size_t)parse_num(argv[4], "QUEUE_MAX");
	if (argc >= 6)
		rate = parse_num(argv[5], "RATE");
	if (argc >= 7 && (follow = open(argv[6], O_RDONLY)) < 0)
		die_errno("cannot open '%s'", argv[6]);
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
		while (follow >= 0 && sent - followed(follow) > LAG &&
		    !sig_stop_requested()) {
			if (out_flush(o) < 0)
				die_errno("flush");
			nanosleep(&nap, NULL);
		}
		if (out_write(o, b.p, b.len) < 0)
			die_errno("write");
		sent += (long long)b.len;
	}
	buf_free(&b);
	fprintf(stderr, "dropped=%lu peak_rss_kb=%ld\n", out_dropped(o),
	    peak_rss_kb());
	if (out_close(o) < 0)
		die_errno("close");
	return 0;
}
