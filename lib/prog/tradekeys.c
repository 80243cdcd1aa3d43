/*
 * tradekeys: the host and key rules of the trading programs (see
 * tradekeys.h).
 */
#include "prog/err.h"
#include "prog/tradekeys.h"

void
tradekeys_check_host(const struct venue_market *m, int live)
{
	const char *base = venue_rest_base(m);

	if (!live && venue_is_production(base))
		die_usage("%s is a production host: give --live to trade "
		    "there (or set %s to a testnet or simulator)", base,
		    m->rest_env);
}

void
tradekeys_load(struct secret *s, struct vt_keys *vk, const char *key_file)
{
	char why[256];

	if (secret_load(s, key_file, why, sizeof why) < 0)
		die("%s", why);
	vk->key = s->key;
	vk->key_len = s->key_len;
	vk->secret = s->secret;
	vk->secret_len = s->secret_len;
}
