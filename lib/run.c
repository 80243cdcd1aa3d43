/*
 * run: the shared event loop of the filter programs (see run.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "run.h"
#include "sig.h"

/* Rendered events larger than this are a bug, not input. */
#define RUN_EVENT_MAX (256u << 20)

void
run_open(struct run *r, const char *input, const char *output, int pass)
{
	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	if (in_open(&r->in, input, 0) < 0)
		die_errno("cannot open input '%s'", input ? input : "-");
	if (out_open(&r->out, output, 0) < 0)
		die_errno("cannot open output '%s'", output ? output : "-");
	buf_init(&r->ob, RUN_EVENT_MAX);
	r->pass = pass;
	r->dropped = 0;
}

/* A reader of a unix: output fell behind: say so once per reader. */
static void
report_drops(struct run *r)
{
	unsigned long d = out_dropped(r->out);

	if (d != r->dropped) {
		warn("dropped %lu slow reader%s of the output (%lu in all)",
		    d - r->dropped, d - r->dropped == 1 ? "" : "s", d);
		r->dropped = d;
	}
}

static void
write_or_die(struct run *r, const char *p, size_t n)
{
	if (out_write(r->out, p, n) < 0) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error");
	}
	report_drops(r);
}

void
run_flush_events(struct run *r)
{
	if (buf_failed(&r->ob)) {
		errno = r->ob.failed;
		die_errno("cannot render event");
	}
	if (r->ob.len)
		write_or_die(r, r->ob.p, r->ob.len);
	buf_reset(&r->ob);
}

void
run_pass(struct run *r, const char *line, size_t len)
{
	if (!r->pass)
		return;
	buf_add(&r->ob, line, len);
	buf_addc(&r->ob, '\n');
	run_flush_events(r);
}

int
run_next(struct run *r, const char **line, size_t *len)
{
	for (;;) {
		int st;

		if (sig_stop_requested())
			return 0;
		st = in_next(&r->in, line, len);
		switch (st) {
		case IN_LINE:
			return 1;
		case IN_EOF:
			return 0;
		case IN_TOOLONG:
			err_line(r->in.lineno, "line too long (over %zu bytes)",
			    r->in.max_line);
			continue;
		default:
			if (errno == EINTR)
				continue;
			die_errno("read error");
		}
	}
}

void
run_close(struct run *r)
{
	if (out_close(r->out) < 0 && errno != EPIPE)
		die_errno("write error");
	in_close(&r->in);
	buf_free(&r->ob);
	err_line_summary();
}
