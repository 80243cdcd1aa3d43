/*
 * www.c: the chart page: GET / is DIR/index.html and GET /static/NAME
 * is DIR/NAME, DIR being --www or the first of the places www_find
 * looks.  A name is one path component of [A-Za-z0-9._-] not starting
 * with a dot, with a type this file knows: no "..", no subdirectory,
 * no symbolic link (O_NOFOLLOW), regular files only, so nothing outside
 * DIR can be asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"

#ifndef MKT_WWW_DIR
#define MKT_WWW_DIR "/usr/local/share/mkt/www"
#endif

#define STATIC_PREFIX "/static/"
#define NAME_MAX_LEN 64

static const struct {
	const char *suffix;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".png", "image/png" },
	{ ".svg", "image/svg+xml" },
	{ ".json", "application/json" },
	{ "NOTICE", "text/plain; charset=utf-8" },
};

/* The Content-Type of a file name, or NULL for one not served. */
static const char *
type_of(const char *name)
{
	size_t n = strlen(name), k, i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		k = strlen(types[i].suffix);
		if (n >= k && strcmp(name + n - k, types[i].suffix) == 0)
			return types[i].type;
	}
	return NULL;
}

/* Whether name is a single safe path component. */
static int
name_ok(const char *name)
{
	const char *p;

	if (*name == '\0' || *name == '.')
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return 0;
	return p - name <= NAME_MAX_LEN;
}

static int
is_page_dir(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/index.html", dir) >=
	    (int)sizeof path)
		return 0;
	return access(path, R_OK) == 0;
}

/* The directory the running executable is in, into out. */
static int
exe_dir(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= cap - 1)
		return -1;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

const char *
www_find(char *out, size_t cap)
{
	char dir[PATH_MAX];

	/* An installed program first (relocated too: BIN/../share), then
	 * the build tree's BUILD/bin/../www that make assembles, then the
	 * prefix the program was built for. */
	if (exe_dir(dir, sizeof dir) == 0) {
		if (snprintf(out, cap, "%s/../share/mkt/www", dir) <
		    (int)cap && is_page_dir(out))
			return out;
		if (snprintf(out, cap, "%s/../www", dir) < (int)cap &&
		    is_page_dir(out))
			return out;
	}
	if (snprintf(out, cap, "%s", MKT_WWW_DIR) < (int)cap &&
	    is_page_dir(out))
		return out;
	return NULL;
}

/* The whole of the regular file dir/name into r->body. */
static int
read_file(struct req *r, const char *dir, const char *name)
{
	char path[PATH_MAX], chunk[65536];
	struct stat st;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    (int)sizeof path)
		return req_error(r, 404, NULL, "no such file");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return req_error(r, errno == ENOENT || errno == ELOOP ?
		    404 : 503, NULL, "cannot open '%s': %s", name,
		    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > BODY_MAX) {
		close(fd);
		return req_error(r, 404, NULL, "no such file");
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(r->body, chunk, (size_t)n);
	if (n < 0) {
		req_error(r, 503, NULL, "cannot read '%s': %s", name,
		    strerror(errno));
		close(fd);
		return 0;
	}
	if (close(fd) < 0)
		return req_error(r, 503, NULL, "cannot read '%s'", name);
	return 0;
}

int
www_route(struct req *r, const char *path)
{
	const char *name, *type;

	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
		name = "index.html";
	else if (strncmp(path, STATIC_PREFIX, strlen(STATIC_PREFIX)) == 0)
		name = path + strlen(STATIC_PREFIX);
	else
		return 0;
	if (r->sv->o->www == NULL) {
		req_error(r, 404, NULL, "no page: no --www directory and "
		    "none installed");
		return 1;
	}
	if (!name_ok(name) || (type = type_of(name)) == NULL) {
		req_error(r, 404, NULL, "no such file");
		return 1;
	}
	read_file(r, r->sv->o->www, name);
	if (r->status == 200)
		r->type = type;
	return 1;
}
