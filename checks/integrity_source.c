/* Source compare: every tarball file against the file at the same path in the source
 * checkout (streamed alongside the entry data), and the files npm would have packed
 * from the source that the tarball lacks. Source paths are opened component by component
 * without following symbolic links, so the checkout cannot point the compare elsewhere. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "integrity_int.h"
#include "integrity_path.h"

#define CMP_CHUNK (64 * 1024)
#define WALK_DEPTH_MAX 64

struct ns_srccmp {
	int fd;
	int differs;
	char *path;        /* tarball path, for the finding */
	unsigned char *buf;
};

/* Opens rel below dirfd, refusing symlinks at every step. flags for the last step. */
static int
open_beneath(int dirfd, const char *rel, int flags)
{
	char *copy = strdup(rel), *seg, *next;
	int cur = dirfd, fd = -1, saved;

	if (copy == NULL)
		return -1;
	for (seg = copy; ; seg = next) {
		next = strchr(seg, '/');
		if (next == NULL) {
			fd = openat(cur, seg, flags | O_NOFOLLOW | O_CLOEXEC);
			break;
		}
		*next++ = '\0';
		fd = openat(cur, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cur != dirfd)
			close(cur);
		if (fd < 0)
			break;
		cur = fd;
		fd = -1;
	}
	saved = errno;
	if (cur != dirfd && fd != cur)
		close(cur);
	free(copy);
	errno = saved;
	return fd;
}

/* A regular file at rel in the source: its fd (O_RDONLY), or -1 with errno. */
static int
open_source_file(int dirfd, const char *rel, struct stat *st)
{
	int fd = open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static int
is_generated(const struct ns_verify_opts *o, const char *rel)
{
	size_t i;

	if (o->generated == NULL || strcmp(rel, "package.json") == 0)
		return 0; /* package.json is always compared */
	for (i = 0; o->generated[i] != NULL; i++)
		if (ns_glob_match(o->generated[i], rel, 1))
			return 1;
	return 0;
}

struct ns_srccmp *
ns_source_begin(struct ns_vctx *v, const char *rel, uint64_t size)
{
	struct ns_srccmp *c;
	struct stat st;
	char tpath[4096];
	int fd;

	snprintf(tpath, sizeof(tpath), "package/%s", rel);
	if (is_generated(v->o, rel)) {
		json_array_append_new(v->generated, json_string(rel));
		return NULL;
	}
	if ((fd = open_source_file(v->o->source_dirfd, rel, &st)) < 0) {
		ns_finding(v, "source.absent", "fail", tpath, errno == ELOOP ?
		    "the source has a symbolic link here" : errno == EINVAL ?
		    "the source has no regular file here" : "file is not in the source");
		return NULL;
	}
	v->compared++;
	if ((uint64_t)st.st_size != size) {
		ns_finding(v, "source.content", "fail", tpath,
		    "differs from the source (%llu bytes in the tarball, %llu in the source)",
		    (unsigned long long)size, (unsigned long long)st.st_size);
		close(fd);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->buf = malloc(CMP_CHUNK)) == NULL ||
	    (c->path = strdup(tpath)) == NULL) {
		ns_finding(v, "source.content", "fail", tpath, "out of memory comparing");
		if (c != NULL)
			free(c->buf);
		free(c);
		close(fd);
		return NULL;
	}
	c->fd = fd;
	return c;
}

void
ns_source_feed(struct ns_srccmp *c, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	while (!c->differs && n > 0) {
		size_t want = n < CMP_CHUNK ? n : CMP_CHUNK, got = 0;

		while (got < want) {
			ssize_t r = read(c->fd, c->buf + got, want - got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got != want || memcmp(c->buf, p, want) != 0)
			c->differs = 1;
		p += want;
		n -= want;
	}
}

void
ns_source_end(struct ns_vctx *v, struct ns_srccmp *c)
{
	if (c->differs)
		ns_finding(v, "source.content", "fail", c->path, "differs from the source");
	close(c->fd);
	free(c->buf);
	free(c->path);
	free(c);
}

/* What npm-packlist never packs, whatever `files` says. */
static int
never_packed(const char *name)
{
	static const char *const names[] = { ".git", ".svn", ".hg", "CVS", "node_modules",
		".DS_Store", ".npmrc", "npm-debug.log", ".npmignore", ".gitignore",
		"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock",
		"config.gypi", ".lock-wscript", ".npm-extension.mjs", ".npm-extension.cjs" };
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return (n > 5 && strcmp(name + n - 5, ".orig") == 0) || strncmp(name, "._", 2) == 0 ||
	    (name[0] == '.' && n > 4 && strcmp(name + n - 4, ".swp") == 0);
}

static void
report_missing(struct ns_vctx *v, const char *rel, const char *status, const char *why)
{
	char tpath[4096];
	struct stat st;
	int fd;

	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	const char *why_not;

	snprintf(tpath, sizeof(tpath), "package/%s", rel);
	if (!ns_tar_path_valid(tpath, "package", 0, &why_not)) /* e.g. "main": "../x" never leaves */
		return;
	if (json_object_get(v->files, tpath) != NULL ||
	    json_object_get(v->missing, tpath) != NULL)
		return;
	if ((fd = open_source_file(v->o->source_dirfd, rel, &st)) < 0)
		return; /* npm would not pack what is not there */
	close(fd);
	json_object_set_new(v->missing, tpath, json_true());
	ns_finding(v, "source.missing", status, tpath, "%s is in the source but not in the tarball",
	    why);
}

static int
always_packed_name(const char *name)
{
	static const char *const prefixes[] = { "readme", "license", "licence", "copying" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncasecmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Walks dir (relative path prefix) calling files_entry_match on each regular file. */
static void
walk_files_field(struct ns_vctx *v, int dirfd, const char *prefix, const json_t *files,
    unsigned depth, unsigned *budget)
{
	DIR *d;
	struct dirent *de;
	int fd;

	if (depth > WALK_DEPTH_MAX || *budget == 0)
		return;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL && *budget > 0) {
		char rel[4096];
		struct stat st;
		size_t i;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    never_packed(de->d_name))
			continue;
		(*budget)--;
		if (snprintf(rel, sizeof(rel), "%s%s", prefix, de->d_name) >= (int)sizeof(rel))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);

			if (sub >= 0) {
				size_t n = strlen(rel);

				if (n + 1 < sizeof(rel)) {
					rel[n] = '/';
					rel[n + 1] = '\0';
					walk_files_field(v, sub, rel, files, depth + 1, budget);
				}
				close(sub);
			}
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		for (i = 0; i < json_array_size(files); i++) {
			const char *pat = json_string_value(json_array_get(files, i));

			if (pat != NULL && pat[0] != '!' && ns_glob_match(pat, rel, 1)) {
				report_missing(v, rel, "warn", "a file selected by \"files\"");
				break;
			}
		}
	}
	closedir(d);
}

void
ns_source_missing(struct ns_vctx *v)
{
	const json_t *m = v->manifest_json, *bin, *files, *val;
	unsigned budget = v->max_entries * 4;
	const char *k;
	struct dirent *de;
	DIR *d;
	int fd;

	if (v->aborted || m == NULL)
		return;
	report_missing(v, "package.json", "fail", "package.json");
	if ((fd = openat(v->o->source_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if ((d = fdopendir(fd)) == NULL) {
			close(fd);
		} else {
			while ((de = readdir(d)) != NULL)
				if (always_packed_name(de->d_name))
					report_missing(v, de->d_name, "fail",
					    "an always-packed README/LICENSE file");
			closedir(d);
		}
	}
	if (json_is_string(json_object_get(m, "main")))
		report_missing(v, json_string_value(json_object_get(m, "main")), "fail",
		    "the \"main\" file");
	if (json_is_string(json_object_get(m, "browser")))
		report_missing(v, json_string_value(json_object_get(m, "browser")), "fail",
		    "the \"browser\" file");
	bin = json_object_get(m, "bin");
	if (json_is_string(bin))
		report_missing(v, json_string_value(bin), "fail", "a \"bin\" file");
	else if (json_is_object(bin))
		json_object_foreach((json_t *)bin, k, val)
			if (json_is_string(val))
				report_missing(v, json_string_value(val), "fail", "a \"bin\" file");
	files = json_object_get(m, "files");
	if (json_is_array(files))
		walk_files_field(v, v->o->source_dirfd, "", files, 0, &budget);
}
