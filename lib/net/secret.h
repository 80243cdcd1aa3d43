/*
 * secret: API keys and the signatures made with them.
 *
 * Keys come from, in order: a key file given by the user (--key-file),
 * systemd credentials ($CREDENTIALS_DIRECTORY/mkt-api-key and
 * mkt-api-secret, LoadCredential=), or the environment (MKT_API_KEY,
 * MKT_API_SECRET).  A key file holds two lines, the key and the secret
 * (a line "key=..."/"secret=..." is read the same; blank lines and a
 * CR before each newline are ignored); a credential file holds its
 * value, a trailing newline dropped.  Both kinds of file must be
 * regular files owned by the effective user with no group or other
 * permission bits (0600, 0400); a symbolic link is refused whatever it
 * points to (give the file itself), so the check and the read are of
 * one file.  Keys and secrets are 1 to SECRET_MAX printable ASCII
 * bytes without spaces (they go into HTTP headers).
 *
 * MKT_API_KEY and MKT_API_SECRET are removed from the environment by
 * secret_load() whichever source is used, so that children never see
 * them, and the bytes of their values in the environment the process
 * was started with (what /proc/PID/environ shows) are overwritten;
 * strings that setenv() or putenv() made are only removed (they may be
 * read-only or in libc's own records).
 *
 * The secret lives in memory locked against swapping where possible and
 * is wiped (OPENSSL_cleanse) by secret_free(), as is every buffer that
 * held it here.  Nothing here prints; errors come back as words that
 * never include the key's or the secret's text.
 */
#ifndef MKT_SECRET_H
#define MKT_SECRET_H

#include <stddef.h>

#include "base/attr.h"

#define SECRET_MAX 512		/* longest key or secret accepted */

struct secret {
	char key[SECRET_MAX + 1];		/* NUL-terminated */
	size_t key_len;
	unsigned char secret[SECRET_MAX];	/* not NUL-terminated */
	size_t secret_len;
	int locked;				/* mlock succeeded */
};

/*
 * Load the credentials into s (which may be on the caller's stack or
 * heap; it is locked in memory here): from key_file when not NULL, else
 * from the credentials directory when $CREDENTIALS_DIRECTORY is set and
 * holds either file, else from the environment.  Returns 0, or -1 with
 * errno and a reason in why ("key file '/x': mode 0644, must be 0600 or
 * stricter", "no API key: set MKT_API_KEY and MKT_API_SECRET, or give
 * --key-file").  On failure nothing is left in s.  Not thread-safe (it
 * changes the environment).
 */
int secret_load(struct secret *s, const char *key_file, char *why,
    size_t whylen) WUR;

/*
 * Fill s from a key and a secret in memory (tests, the simulator's
 * accounts), checked as secret_load() checks them: 0, or -1 with
 * errno EINVAL and why.  s is not locked here.
 */
int secret_set(struct secret *s, const char *key, size_t klen,
    const void *sec, size_t slen, char *why, size_t whylen) WUR;

/* Wipe and unlock s.  NULL is allowed. */
void secret_free(struct secret *s);

/*
 * HMAC-SHA256 of msg[0..n) keyed by key[0..klen), as 64 lower-case hex
 * digits and a NUL into hex.  0, or -1 when OpenSSL fails.
 */
int secret_hmac_hex(const unsigned char *key, size_t klen, const void *msg,
    size_t n, char hex[65]) WUR;

/*
 * The same over the concatenation of two pieces (Binance: query string
 * then body, with nothing between them).
 */
int secret_hmac2_hex(const unsigned char *key, size_t klen, const void *a,
    size_t an, const void *b, size_t bn, char hex[65]) WUR;

/* Compare two signatures in constant time, case-insensitively (a
 * server's check): 1 when equal. */
int secret_sig_equal(const char *a, const char *b);

/*
 * Keep this process's memory out of core dumps and away from ptrace by
 * other processes of the user (prctl PR_SET_DUMPABLE 0).  0 or -1.
 */
int secret_no_dump(void) WUR;

#endif
