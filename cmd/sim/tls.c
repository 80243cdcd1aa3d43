/*
 * tls.c: mkt-sim --tls: a self-signed certificate and key made at
 * start, in temporary files for libwebsockets to load.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "base/fsutil.h"
#include "prog/err.h"

#include "sim.h"

/* ---------------------------------------------------------------- */
/* TLS: a self-signed certificate made at start */

/*
 * The certificate and key, as PEM files in a private temporary directory
 * for libwebsockets to load.  Global so that the atexit handler can
 * remove them whichever way the program ends.
 */
static struct {
	char dir[PATH_MAX];	/* "" when there is nothing to remove */
	char cert[PATH_MAX + 16];	/* dir + "/cert.pem" */
	char key[PATH_MAX + 16];
} tls_files;

#define TLS_CN "mkt-sim"
#define TLS_SAN "IP:127.0.0.1,DNS:localhost"
#define TLS_BACKDATE (60 * 60)	/* seconds, for clocks a little behind */
#define TLS_LIFETIME (24 * 60 * 60)	/* seconds from now */

/* Remove the temporary files and directory; again is harmless. */
void
tls_remove_files(void)
{
	if (!tls_files.dir[0])
		return;
	unlink(tls_files.key);
	unlink(tls_files.cert);
	rmdir(tls_files.dir);
	tls_files.dir[0] = '\0';
}

/* An OpenSSL call failed: say which step and OpenSSL's reason. */
static noreturn void
die_ssl(const char *what)
{
	const char *why = ERR_reason_error_string(ERR_get_error());

	die("cannot make the TLS certificate: %s: %s", what,
	    why ? why : "unknown error");
}

static void
tls_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	if (!ext)
		die_ssl(OBJ_nid2sn(nid));
	if (!X509_add_ext(x, ext, -1)) {
		X509_EXTENSION_free(ext);
		die_ssl(OBJ_nid2sn(nid));
	}
	X509_EXTENSION_free(ext);
}

/*
 * A certificate for k, signed by k with SHA-256: its own CA (basic
 * constraints CA:TRUE, may sign certificates), so that clients can use
 * it as their trust anchor, and good for 127.0.0.1 and localhost.
 * The caller frees it with X509_free().
 */
static X509 *
tls_make_cert(EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	uint64_t serial;

	if (!x)
		die_ssl("X509_new");
	if (RAND_bytes((unsigned char *)&serial, sizeof serial) != 1)
		die_ssl("RAND_bytes");
	/* Positive and non-zero, as RFC 5280 wants. */
	serial = (serial >> 2) | 1;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -TLS_BACKDATE) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), TLS_LIFETIME) ||
	    !X509_set_pubkey(x, k))
		die_ssl("X509 fields");
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)TLS_CN, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		die_ssl("X509 name");
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	tls_add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
	/* An EC key signs (ECDHE): no keyEncipherment (RFC 5480). */
	tls_add_ext(x, &v3, NID_key_usage,
	    "critical,digitalSignature,keyCertSign");
	tls_add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
	tls_add_ext(x, &v3, NID_subject_alt_name, TLS_SAN);
	tls_add_ext(x, &v3, NID_subject_key_identifier, "hash");
	tls_add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
	if (!X509_sign(x, k, EVP_sha256()))
		die_ssl("X509_sign");
	return x;
}

/* Write a new file (O_EXCL) with this mode; no fsync: it is temporary. */
static void
write_new_file(const char *path, mode_t mode, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		die_errno("cannot open '%s'", path);
	if (fs_write_all(fd, p, n) < 0)
		die_errno("cannot write '%s'", path);
	if (close(fd) < 0)
		die_errno("cannot close '%s'", path);
}

/* The PEM in a memory BIO, written to path (and to copy, if not NULL). */
static void
write_bio(BIO *bio, const char *path, mode_t mode, const char *copy)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0)
		die_ssl("PEM");
	write_new_file(path, mode, p, (size_t)n);
	if (copy)
		write_file_durably(copy, p, (size_t)n);
}

/*
 * Make a P-256 key and its self-signed certificate, write them as PEM
 * into a new private directory (TMPDIR or /tmp; the key 0600), and the
 * certificate also to --cert-file, and set up info to serve TLS with
 * them.  The paths are in tls_files; the files go at exit, or once
 * libwebsockets has loaded them (tls_remove_files).
 */
void
tls_setup(const struct opts *o, struct lws_context_creation_info *info)
{
	const char *tmp = getenv("TMPDIR");
	EVP_PKEY *k;
	X509 *x;
	BIO *kb, *cb;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(tls_files.dir, sizeof tls_files.dir, "%s/mkt-sim.XXXXXX",
	    tmp) >= (int)sizeof tls_files.dir)
		die("cannot make a directory in '%s': name too long", tmp);
	if (!mkdtemp(tls_files.dir))
		die_errno("cannot make a directory in '%s'", tmp);
	if (atexit(tls_remove_files) != 0) {
		tls_remove_files();
		die("cannot register the cleanup of the TLS files");
	}
	snprintf(tls_files.cert, sizeof tls_files.cert, "%s/cert.pem",
	    tls_files.dir);
	snprintf(tls_files.key, sizeof tls_files.key, "%s/key.pem",
	    tls_files.dir);
	k = EVP_EC_gen("P-256");
	if (!k)
		die_ssl("EVP_EC_gen");
	x = tls_make_cert(k);
	kb = BIO_new(BIO_s_mem());
	cb = BIO_new(BIO_s_mem());
	if (!kb || !cb)
		die_nomem();
	if (!PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL))
		die_ssl("PEM_write_bio_PrivateKey");
	if (!PEM_write_bio_X509(cb, x))
		die_ssl("PEM_write_bio_X509");
	write_bio(kb, tls_files.key, 0600, NULL);
	write_bio(cb, tls_files.cert, 0644, o->cert_file);
	BIO_free(kb);
	BIO_free(cb);
	X509_free(x);
	EVP_PKEY_free(k);
	info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info->ssl_cert_filepath = tls_files.cert;
	info->ssl_private_key_filepath = tls_files.key;
	/* HTTP/1.1 only: libwebsockets 4.1 loses HTTP/2 response bodies
	 * past the first flow control window. */
	info->alpn = "http/1.1";
}
