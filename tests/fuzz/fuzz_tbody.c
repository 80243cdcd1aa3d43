/*
 * fuzz_tbody: libFuzzer harness for event/tbody.h, the body of a POSTed
 * intent or cancel made an event line.  The first byte picks the type
 * (bit 0: cancel), the rest is the body.
 *
 * Checked: a line made is one line ending in its only '\n', parses as
 * an event of that type that tevent_intent or tevent_cancel reads, and
 * its id is the one reported; a refusal names a field and a reason.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "event/tbody.h"
#include "event/tevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
check_line(const struct tbody *tb, const char *type)
{
	const struct buf *l = &tb->line;
	struct event ev;
	struct intent it;
	struct cancel c;
	char why[256];

	check(l->len > 1 && l->p[l->len - 1] == '\n');
	check(memchr(l->p, '\n', l->len - 1) == NULL);
	check(memchr(l->p, '\r', l->len) == NULL);
	check(event_parse(l->p, l->len - 1, &ev, why, sizeof why) == 0);
	check(tevent_is(&ev, type));
	if (strcmp(type, "intent") == 0) {
		check(tevent_intent(&ev, &it, why, sizeof why) == 0);
		check(strcmp(it.id, tb->id) == 0);
	} else {
		check(tevent_cancel(&ev, &c, why, sizeof why) == 0);
		check(strcmp(c.id, tb->id) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *type;
	struct tbody tb;

	if (size < 1)
		return 0;
	type = data[0] & 1 ? "cancel" : "intent";
	tbody_init(&tb, 4096 + 256);
	if (tbody_line(&tb, (const char *)data + 1, size - 1, type,
	    "serve-1-1") == 0)
		check_line(&tb, type);
	else
		check(tb.field[0] && tb.why[0] &&
		    (errno == EINVAL || errno == ENOMEM));
	tbody_free(&tb);
	return 0;
}
