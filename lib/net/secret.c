/*
 * secret: API keys from a key file, systemd credentials or the
 * environment, and the signatures made with them (see secret.h).
 *
 * A file's checks are made on the descriptor that is read (fstat after
 * open with O_NOFOLLOW), so the file cannot be swapped between check
 * and read.  Every buffer that held a secret is wiped before it goes.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "net/secret.h"

#define FILE_MAX 4096		/* longest key file or credential read */
#define ENV_KEY "MKT_API_KEY"
#define ENV_SECRET "MKT_API_SECRET"

extern char **environ;

static void ERR_PRINTF(3, 4)
why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * Read the small file path into b (cap bytes at most) after checking
 * that it is a regular file of ours that neither group nor others may
 * read or write, and not a symbolic link.  label names it in why.
 * The length in *n; 0, or -1 with errno and why.
 */
static int
read_private(const char *path, const char *label, char *b, size_t cap,
    size_t *n, char *why, size_t whylen)
{
	struct stat st;
	ssize_t k;
	int fd, e;

	*n = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			why_set(why, whylen, "%s '%s': a symbolic link, give "
			    "the file itself", label, path);
		else
			why_set(why, whylen, "%s '%s': %s", label, path,
			    strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		why_set(why, whylen, "%s '%s': %s", label, path, strerror(e));
		goto fail;
	}
	e = EPERM;
	if (!S_ISREG(st.st_mode)) {
		why_set(why, whylen, "%s '%s': not a regular file", label,
		    path);
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		why_set(why, whylen, "%s '%s': owned by uid %lu, not by "
		    "uid %lu", label, path, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		goto fail;
	}
	if (st.st_mode & 077) {
		why_set(why, whylen, "%s '%s': mode %04o, must be 0600 or "
		    "stricter", label, path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	while (*n < cap) {
		k = read(fd, b + *n, cap - *n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			e = errno;
			why_set(why, whylen, "%s '%s': %s", label, path,
			    strerror(e));
			goto fail;
		}
		if (k == 0)
			break;
		*n += (size_t)k;
	}
	if (*n == cap) {
		e = EFBIG;
		why_set(why, whylen, "%s '%s': longer than %zu bytes", label,
		    path, cap - 1);
		goto fail;
	}
	close(fd);
	return 0;

fail:
	OPENSSL_cleanse(b, *n);
	*n = 0;
	close(fd);
	errno = e;
	return -1;
}

/* 1 when v[0..n) is a usable key or secret: printable, no space. */
static int
value_ok(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > SECRET_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			return 0;
	return 1;
}

int
secret_set(struct secret *s, const char *key, size_t klen, const void *sec,
    size_t slen, char *why, size_t whylen)
{
	if (!value_ok(key, klen) || !value_ok(sec, slen)) {
		why_set(why, whylen, "the %s is empty, longer than %d bytes "
		    "or holds a space or control character",
		    value_ok(key, klen) ? "secret" : "key", SECRET_MAX);
		errno = EINVAL;
		return -1;
	}
	memcpy(s->key, key, klen);
	s->key[klen] = '\0';
	s->key_len = klen;
	memcpy(s->secret, sec, slen);
	s->secret_len = slen;
	return 0;
}

/* The length of line p[0..n) without its CR, if any. */
static size_t
line_len(const char *p, size_t n)
{
	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/* Put "prefix: " before the reason already in why. */
static void
why_prefix(char *why, size_t whylen, const char *what, const char *name)
{
	char tail[200];

	if (!why || !whylen)
		return;
	snprintf(tail, sizeof tail, "%s", why);
	why_set(why, whylen, "%s '%s': %s", what, name, tail);
}

/*
 * A key file's text: the key and the secret, each on its own line or
 * as key=/secret= lines, blank lines ignored.  Into s; 0 or -1 (EINVAL)
 * with why, which names lines, never their text.
 */
static int
parse_key_file(struct secret *s, const char *path, const char *b, size_t n,
    char *why, size_t whylen)
{
	const char *v[2] = { NULL, NULL }, *p = b, *end = b + n, *nl;
	size_t len[2] = { 0, 0 }, k;
	int line = 0, which;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		k = line_len(p, (size_t)(nl - p));
		if (k == 0)
			continue;
		if (k >= 4 && memcmp(p, "key=", 4) == 0) {
			which = 0;
			p += 4;
			k -= 4;
		} else if (k >= 7 && memcmp(p, "secret=", 7) == 0) {
			which = 1;
			p += 7;
			k -= 7;
		} else {
			which = v[0] ? 1 : 0;
		}
		if (v[which]) {
			why_set(why, whylen, "key file '%s': line %d: a second "
			    "%s; the file holds two lines, the key and the "
			    "secret", path, line, which ? "secret" : "key");
			errno = EINVAL;
			return -1;
		}
		v[which] = p;
		len[which] = k;
	}
	if (!v[0] || !v[1]) {
		why_set(why, whylen, "key file '%s': no %s; the file holds two "
		    "lines, the key and the secret", path,
		    v[0] ? "secret" : "key");
		errno = EINVAL;
		return -1;
	}
	if (secret_set(s, v[0], len[0], v[1], len[1], why, whylen) < 0) {
		why_prefix(why, whylen, "key file", path);
		return -1;
	}
	return 0;
}

static int
load_key_file(struct secret *s, const char *path, char *why, size_t whylen)
{
	char b[FILE_MAX];
	size_t n;
	int rc;

	if (read_private(path, "key file", b, sizeof b, &n, why, whylen) < 0)
		return -1;
	rc = parse_key_file(s, path, b, n, why, whylen);
	OPENSSL_cleanse(b, sizeof b);
	return rc;
}

/*
 * One systemd credential, dir/name, into v (cap bytes), its trailing
 * newline dropped.  0; 1 when it does not exist; -1 with why.
 */
static int
load_credential(const char *dir, const char *name, char *v, size_t cap,
    size_t *n, char *why, size_t whylen)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path) {
		why_set(why, whylen, "credentials directory name too long");
		errno = ENAMETOOLONG;
		return -1;
	}
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 1;
	if (read_private(path, "credential", v, cap, n, why, whylen) < 0)
		return -1;
	while (*n > 0 && (v[*n - 1] == '\n' || v[*n - 1] == '\r'))
		(*n)--;
	return 0;
}

/*
 * $CREDENTIALS_DIRECTORY/mkt-api-key and mkt-api-secret.  0 when
 * loaded, 1 when there are none, -1 with why.
 */
static int
load_credentials(struct secret *s, const char *dir, char *why,
    size_t whylen)
{
	char k[FILE_MAX], v[FILE_MAX];
	size_t kn = 0, vn = 0;
	int rk, rv, rc = -1;

	rk = load_credential(dir, "mkt-api-key", k, sizeof k, &kn, why,
	    whylen);
	if (rk < 0)
		return -1;
	rv = load_credential(dir, "mkt-api-secret", v, sizeof v, &vn, why,
	    whylen);
	if (rv < 0)
		goto out;
	if (rk == 1 && rv == 1) {
		rc = 1;
		goto out;
	}
	if (rk == 1 || rv == 1) {
		why_set(why, whylen, "credentials directory '%s': %s without "
		    "%s", dir, rk ? "mkt-api-secret" : "mkt-api-key",
		    rk ? "mkt-api-key" : "mkt-api-secret");
		errno = ENOENT;
		goto out;
	}
	rc = secret_set(s, k, kn, v, vn, why, whylen);
	if (rc < 0)
		why_prefix(why, whylen, "credentials directory", dir);
out:
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(v, sizeof v);
	return rc;
}

/*
 * Where the kernel keeps the environment the process was started with,
 * which /proc/PID/environ shows (fields 50 and 51 of /proc/self/stat).
 * 0, or -1 when it cannot be known.
 */
static int
env_range(uintptr_t *lo, uintptr_t *hi)
{
	char b[4096], *p, *next;
	unsigned long long v[2];
	ssize_t k;
	size_t n = 0;
	int fd, i;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (n < sizeof b - 1) {
		k = read(fd, b + n, sizeof b - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	b[n] = '\0';
	/* The command name may hold spaces and parentheses. */
	p = strrchr(b, ')');
	if (!p)
		return -1;
	p++;
	/* Field 3 comes first after it; env_start is field 50. */
	for (i = 3; i < 50; i++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	errno = 0;
	v[0] = strtoull(p, &next, 10);
	v[1] = strtoull(next, &p, 10);
	if (errno || p == next || v[0] == 0 || v[1] <= v[0])
		return -1;
	*lo = (uintptr_t)v[0];
	*hi = (uintptr_t)v[1];
	return 0;
}

/*
 * Remove name from the environment, and wipe the value's bytes where
 * /proc/PID/environ would show them.  Strings that setenv() or putenv()
 * made are left alone: they may be read-only or in libc's own records.
 */
static void
env_scrub(const char *name)
{
	size_t k = strlen(name), i, nv = 0;
	char *v[8];
	uintptr_t lo, hi;
	int known;

	for (i = 0; environ && environ[i] && nv < 8; i++)
		if (strncmp(environ[i], name, k) == 0 && environ[i][k] == '=')
			v[nv++] = environ[i];
	if (nv == 0)
		return;
	known = env_range(&lo, &hi) == 0;
	if (unsetenv(name) < 0)
		return;
	for (i = 0; i < nv && known; i++) {
		uintptr_t a = (uintptr_t)v[i];
		size_t len = strlen(v[i]);

		if (a >= lo && a + len < hi)
			OPENSSL_cleanse(v[i] + k + 1, len - k - 1);
	}
}

/* MKT_API_KEY and MKT_API_SECRET.  0, 1 when neither is set, -1. */
static int
load_env(struct secret *s, char *why, size_t whylen)
{
	const char *k = getenv(ENV_KEY), *v = getenv(ENV_SECRET);

	if (!k && !v)
		return 1;
	if (!k || !v) {
		why_set(why, whylen, "%s is set but not %s", k ? ENV_KEY :
		    ENV_SECRET, k ? ENV_SECRET : ENV_KEY);
		errno = ENOENT;
		return -1;
	}
	if (secret_set(s, k, strlen(k), v, strlen(v), why, whylen) < 0) {
		why_prefix(why, whylen, "environment", ENV_KEY "/" ENV_SECRET);
		return -1;
	}
	return 0;
}

int
secret_load(struct secret *s, const char *key_file, char *why, size_t whylen)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int rc, e;

	memset(s, 0, sizeof *s);
	if (why && whylen)
		why[0] = '\0';
	/* Without a lock (RLIMIT_MEMLOCK) the secret is still wiped. */
	s->locked = mlock(s, sizeof *s) == 0;
	if (key_file)
		rc = load_key_file(s, key_file, why, whylen);
	else if (dir && *dir)
		rc = load_credentials(s, dir, why, whylen);
	else
		rc = 1;
	if (rc == 1)
		rc = load_env(s, why, whylen);
	e = errno;
	/* Whichever source was used, children never see these. */
	env_scrub(ENV_SECRET);
	env_scrub(ENV_KEY);
	if (rc == 1) {
		why_set(why, whylen, "no API key: set %s and %s, or give "
		    "--key-file", ENV_KEY, ENV_SECRET);
		e = ENOENT;
	}
	if (rc != 0) {
		secret_free(s);
		errno = e;
		return -1;
	}
	return 0;
}

void
secret_free(struct secret *s)
{
	int locked;

	if (!s)
		return;
	locked = s->locked;
	OPENSSL_cleanse(s, sizeof *s);
	if (locked)
		munlock(s, sizeof *s);
}

int
secret_no_dump(void)
{
	return prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) == 0 ? 0 : -1;
}

static void
to_hex(const unsigned char *md, unsigned n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

int
secret_hmac2_hex(const unsigned char *key, size_t klen, const void *a,
    size_t an, const void *b, size_t bn, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *c = NULL;
	EVP_MAC *mac;
	int ok;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac)
		c = EVP_MAC_CTX_new(mac);
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = c && EVP_MAC_init(c, key, klen, params) == 1 &&
	    EVP_MAC_update(c, a, an) == 1 &&
	    (bn == 0 || EVP_MAC_update(c, b, bn) == 1) &&
	    EVP_MAC_final(c, md, &mdlen, sizeof md) == 1 && mdlen == 32;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
	if (!ok)
		return -1;
	to_hex(md, (unsigned)mdlen, hex);
	return 0;
}

int
secret_hmac_hex(const unsigned char *key, size_t klen, const void *msg,
    size_t n, char hex[65])
{
	return secret_hmac2_hex(key, klen, msg, n, "", 0, hex);
}

int
secret_sig_equal(const char *a, const char *b)
{
	size_t n = strlen(a), i;
	unsigned diff = 0;

	if (n != strlen(b))
		return 0;
	for (i = 0; i < n; i++)
		diff |= (unsigned)(tolower((unsigned char)a[i]) ^
		    tolower((unsigned char)b[i]));
	return diff == 0;
}
