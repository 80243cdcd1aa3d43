/*
 * journal/keys.c: the keys of events (venue, market, symbol, type) and
 * the statistics of one frame -- its count, times and per key the count
 * and time range -- as appending and scanning accumulate them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/json.h"
#include "internal.h"

/* Append one key part: a string's text (unescaped), else nothing. */
static void
key_part(struct journal *j, const struct json_span *s)
{
	int n;

	if (!s || s->type != JSON_STRING)
		return;
	if (!s->escaped) {
		buf_add(&j->kb, s->p, s->n);
		return;
	}
	buf_reset(&j->sb);
	if (buf_grow(&j->sb, (size_t)s->n + 1) < 0) {
		j->kb.failed = ENOMEM;
		return;
	}
	n = json_str_copy(s, j->sb.p, (size_t)s->n + 1);
	/* A string holding a NUL keeps its escaped text. */
	if (n < 0)
		buf_add(&j->kb, s->p, s->n);
	else
		buf_add(&j->kb, j->sb.p, (size_t)n);
}

struct jkey *
jn_lookup_key(struct journal *j, const struct event *ev)
{
	struct jkey *k;

	buf_reset(&j->kb);
	key_part(j, ev->field[EVF_VENUE]);
	buf_addc(&j->kb, '\0');
	key_part(j, ev->field[EVF_MARKET]);
	buf_addc(&j->kb, '\0');
	key_part(j, ev->field[EVF_SYMBOL]);
	buf_addc(&j->kb, '\0');
	key_part(j, ev->field[EVF_TYPE]);
	if (buf_failed(&j->kb)) {
		errno = ENOMEM;
		return NULL;
	}
	k = keymap_get(&j->keys, j->kb.p, j->kb.len);
	if (k)
		return k;
	k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	if (keymap_put(&j->keys, j->kb.p, j->kb.len, k) < 0) {
		free(k);
		errno = ENOMEM;
		return NULL;
	}
	k->name = j->keys.e[j->keys.n - 1].key;
	k->len = j->kb.len;
	return k;
}

void
jn_facc_reset(struct journal *j, struct facc *a)
{
	memset(&a->st, 0, sizeof a->st);
	a->nfk = 0;
	/* A new generation: every key's slot from before is stale. */
	if (++j->gen == 0)
		j->gen = 1;
	a->gen = j->gen;
}

/* Count one event of len bytes (without '\n') into a. */
int
jn_facc_add(struct journal *j, struct facc *a, const struct event *ev,
    size_t len)
{
	const struct json_span *f;
	struct jkey *k = jn_lookup_key(j, ev);
	struct fkey *fk;
	int64_t t = 0, r = 0;
	int ht = 0, hr = 0;

	if (!k)
		return -1;
	if (k->gen != a->gen) {
		if (fs_grow((void **)&a->fk, &a->capfk, a->nfk + 1,
		    sizeof *a->fk) < 0)
			return -1;
		k->gen = a->gen;
		k->slot = (uint32_t)a->nfk;
		fk = &a->fk[a->nfk++];
		memset(fk, 0, sizeof *fk);
		fk->k = k;
	}
	fk = &a->fk[k->slot];
	f = ev->field[EVF_TIME];
	if (f && json_int64(f, &t) == 0)
		ht = 1;
	f = ev->field[EVF_RECV];
	if (f && json_int64(f, &r) == 0)
		hr = 1;
	fk->count++;
	if (ht) {
		if (!fk->has_time || t < fk->min_time)
			fk->min_time = t;
		if (!fk->has_time || t > fk->max_time)
			fk->max_time = t;
		fk->has_time = 1;
		if (!(a->st.has & HAS_TIME)) {
			a->st.first_time = a->st.min_time = a->st.max_time = t;
			a->st.has |= HAS_TIME;
		}
		if (t < a->st.min_time)
			a->st.min_time = t;
		if (t > a->st.max_time)
			a->st.max_time = t;
		a->st.last_time = t;
	}
	if (hr) {
		if (!(a->st.has & HAS_RECV)) {
			a->st.first_recv = r;
			a->st.has |= HAS_RECV;
		}
		a->st.last_recv = r;
	}
	a->st.count++;
	a->st.raw_len += len + 1;
	return 0;
}

void
jn_free_keys(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->keys.n; i++)
		free(j->keys.e[i].val);
	keymap_free(&j->keys);
}

/* Load the keys table so that known keys keep their ids. */
int
jn_load_keys(struct journal *j)
{
	sqlite3_stmt *s;
	int rc;

	if (jn_prepare(j, "SELECT id, venue, market, symbol, type FROM keys "
	    "ORDER BY id", &s) < 0)
		return -1;
	while ((rc = db_step(s, "read the keys", &j->dbe)) > 0) {
		struct jkey *k;
		int i;

		buf_reset(&j->kb);
		for (i = 1; i <= 4; i++) {
			if (i > 1)
				buf_addc(&j->kb, '\0');
			buf_add(&j->kb, sqlite3_column_text(s, i),
			    (size_t)sqlite3_column_bytes(s, i));
		}
		if (buf_failed(&j->kb) || keymap_get(&j->keys, j->kb.p,
		    j->kb.len))
			continue;
		k = calloc(1, sizeof *k);
		if (!k || keymap_put(&j->keys, j->kb.p, j->kb.len, k) < 0) {
			free(k);
			sqlite3_finalize(s);
			errno = ENOMEM;
			return jn_fail(j, "cannot load the keys");
		}
		k->id = sqlite3_column_int64(s, 0);
		k->name = j->keys.e[j->keys.n - 1].key;
		k->len = j->kb.len;
	}
	sqlite3_finalize(s);
	if (rc < 0)
		return jn_fail_db(j);
	return 0;
}
