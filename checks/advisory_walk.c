/* OSV directories: the bounded walk, reading one record file, and building a
 * directory's index together with the directory change times that let an audit
 * tell, without visiting every file, that nothing was added or removed since. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "advisory_int.h"

/* Change times this recent may still be shared by a later change (file system
 * timestamps come from a coarse clock), so the build waits them out. */
#define RACY_NS 50000000LL

struct walk {
	advidx_file_fn fn;
	advidx_dir_fn dir_fn;
	void *ctx;
	size_t count;
};

static int
walk_dir(struct walk *w, int dfd, const char *rel, int depth, struct ns_err *err)
{
	DIR *d;
	struct dirent *de;
	struct stat dst;
	int rc = 0;

	if (depth > ADVIDX_MAX_DIR_DEPTH) {
		close(dfd);
		return ns_fail(err, "%s: directories nested too deep", rel);
	}
	/* the directory's state is taken before it is read: a later change moves it */
	if (fstat(dfd, &dst) < 0 ||
	    (w->dir_fn != NULL && w->dir_fn(w->ctx, rel, &dst, err) < 0)) {
		if (err->msg[0] == '\0')
			ns_fail(err, "%s: %s", rel, strerror(errno));
		close(dfd);
		return -1;
	}
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return ns_fail(err, "%s: %s", rel, strerror(errno));
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		size_t nl = strlen(de->d_name);
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
		    (int)sizeof(sub)) {
			rc = ns_fail(err, "%s: path too long", rel);
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = ns_fail(err, "%s: %s", sub, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (fd < 0) {
				rc = ns_fail(err, "%s: %s", sub, strerror(errno));
				break;
			}
			rc = walk_dir(w, fd, sub, depth + 1, err);
		} else if (S_ISREG(st.st_mode) && nl > 5 &&
		    strcmp(de->d_name + nl - 5, ".json") == 0) {
			if (++w->count > NS_ADVIDX_MAX_FILES) {
				rc = ns_fail(err, "more than %d advisory files", NS_ADVIDX_MAX_FILES);
				break;
			}
			rc = w->fn(w->ctx, dirfd(d), de->d_name, sub, &st, err);
		}
	}
	closedir(d);
	return rc;
}

int
advidx_walk(const char *dir, advidx_file_fn fn, advidx_dir_fn dir_fn, void *ctx,
            struct ns_err *err)
{
	struct walk w = { fn, dir_fn, ctx, 0 };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ns_fail(err, "advisory directory %s: %s", dir, strerror(errno));
	err->msg[0] = '\0';
	if (walk_dir(&w, fd, "", 0, err) < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return ns_fail(err, "advisory directory %s: %s", dir, msg);
	}
	return 0;
}

int
advidx_read_file(int dirfd, const char *name, const struct stat *st, char **buf, size_t *len,
                 struct ns_err *err)
{
	int fd;
	ssize_t r;

	*buf = NULL;
	if (st->st_size > (off_t)NS_OSV_MAX_RECORD)
		return ns_fail(err, "%s: larger than %u bytes", name, NS_OSV_MAX_RECORD);
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ns_fail(err, "%s: %s", name, strerror(errno));
	if ((*buf = malloc((size_t)st->st_size + 1)) == NULL) {
		close(fd);
		return ns_fail(err, "out of memory");
	}
	r = read(fd, *buf, (size_t)st->st_size + 1);
	close(fd);
	if (r < 0 || r > st->st_size) {
		free(*buf);
		*buf = NULL;
		return ns_fail(err, "%s: read failed or file changed while reading", name);
	}
	*len = (size_t)r;
	return 0;
}

/* The files and directories one walk saw, to compare two walks. */
struct seen {
	char **files;
	size_t nfiles, capfiles;
	struct dstate { char *path; ino_t ino; int64_t ctime; } *dirs;
	size_t ndirs, capdirs;
	struct advidx_writer *w;  /* set: add each file to the index */
};

static int
grow(void **p, size_t *cap, size_t need, size_t sz, struct ns_err *err)
{
	void *np;
	size_t nc = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if ((np = realloc(*p, nc * sz)) == NULL)
		return ns_fail(err, "out of memory");
	*p = np;
	*cap = nc;
	return 0;
}

static int
seen_dir(void *ctx, const char *rel, const struct stat *st, struct ns_err *err)
{
	struct seen *s = ctx;

	if (s->ndirs >= ADVIDX_MAX_DIRS)
		return ns_fail(err, "more than %d directories", ADVIDX_MAX_DIRS);
	if (grow((void **)&s->dirs, &s->capdirs, s->ndirs + 1, sizeof(*s->dirs), err) < 0)
		return -1;
	if ((s->dirs[s->ndirs].path = strdup(rel)) == NULL)
		return ns_fail(err, "out of memory");
	s->dirs[s->ndirs].ino = st->st_ino;
	s->dirs[s->ndirs++].ctime = advidx_ctime(st);
	return 0;
}

static int
seen_file(void *ctx, int dirfd, const char *name, const char *rel, const struct stat *st,
          struct ns_err *err)
{
	struct seen *s = ctx;
	char *buf;
	size_t len;
	int rc;

	if (grow((void **)&s->files, &s->capfiles, s->nfiles + 1, sizeof(*s->files), err) < 0)
		return -1;
	if ((s->files[s->nfiles] = strdup(rel)) == NULL)
		return ns_fail(err, "out of memory");
	s->nfiles++;
	if (s->w == NULL)
		return 0;
	if (advidx_read_file(dirfd, name, st, &buf, &len, err) < 0)
		return -1;
	rc = advidx_writer_add(s->w, buf, len, rel, rel, st, err);
	free(buf);
	return rc;
}

static void
seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	for (i = 0; i < s->ndirs; i++)
		free(s->dirs[i].path);
	free(s->files);
	free(s->dirs);
	memset(s, 0, sizeof(*s));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Whether the same files are there as when the index was written, with every
 * directory's state taken after the index was renamed in place (its rename moves
 * the directory's change time) and old enough not to be shared by a later change.
 * Fills *after with those states; 1 same, 0 changed, -1 error. */
static int
unchanged_since_build(const char *dir, struct seen *built, struct seen *after, struct ns_err *err)
{
	struct timespec wait = { 0, RACY_NS };
	int tries;
	size_t k;

	nanosleep(&wait, NULL); /* the rename just moved the directory's change time */
	for (tries = 0; tries < 100; tries++) {
		int64_t start = now_ns();
		int racy = 0;

		seen_free(after);
		if (advidx_walk(dir, seen_file, seen_dir, after, err) < 0)
			return -1;
		for (k = 0; k < after->ndirs; k++)
			racy |= after->dirs[k].ctime > start - RACY_NS;
		if (!racy)
			break;
		nanosleep(&wait, NULL);
	}
	if (tries == 100)
		return ns_fail(err, "advisory directory %s keeps changing; index it again later", dir);
	if (after->nfiles != built->nfiles)
		return 0;
	qsort(after->files, after->nfiles, sizeof(char *), cmp_str);
	qsort(built->files, built->nfiles, sizeof(char *), cmp_str);
	for (k = 0; k < after->nfiles; k++)
		if (strcmp(after->files[k], built->files[k]) != 0)
			return 0;
	return 1;
}

/* Writes the directory states into the installed index, in place: its own
 * directory entry no longer changes, so the states stay true. */
static int
record_dirstate(const char *out_path, const struct seen *after, struct ns_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	size_t k;
	int rc = -1;

	/* no journal file may appear beside the index: it would move the directory's ctime */
	if (sqlite3_open_v2(out_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    advidx_exec(db, "PRAGMA journal_mode=MEMORY; BEGIN;", err) < 0 ||
	    sqlite3_prepare_v2(db, "INSERT INTO dirstate VALUES(?,?,?)", -1, &q, NULL) !=
	    SQLITE_OK) {
		ns_fail(err, "%s: %s", out_path, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	for (k = 0; k < after->ndirs; k++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, after->dirs[k].path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)after->dirs[k].ino);
		sqlite3_bind_int64(q, 3, after->dirs[k].ctime);
		if (sqlite3_step(q) != SQLITE_DONE) {
			ns_fail(err, "%s: %s", out_path, sqlite3_errmsg(db));
			goto out;
		}
	}
	rc = advidx_exec(db, "COMMIT;", err);
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc;
}

/* Whether every directory still has the state after->dirs recorded. */
static int
dirs_still(const char *dir, const struct seen *after)
{
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t k;
	int same = top >= 0;

	for (k = 0; same && k < after->ndirs; k++) {
		struct stat st;
		const char *p = after->dirs[k].path[0] ? after->dirs[k].path : ".";

		same = fstatat(top, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_ino == after->dirs[k].ino && advidx_ctime(&st) == after->dirs[k].ctime;
	}
	if (top >= 0)
		close(top);
	return same;
}

int
ns_advidx_build(const char *dir, const char *out_path, struct ns_advidx_stats *st,
                struct ns_err *err)
{
	char path[4096];
	int attempt;

	if (out_path == NULL) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, NS_ADVIDX_NAME) >= (int)sizeof(path))
			return ns_fail(err, "advisory directory path too long");
		out_path = path;
	}
	for (attempt = 0; attempt < 3; attempt++) {
		struct advidx_writer w;
		struct seen built, after;
		int same;

		memset(&built, 0, sizeof(built));
		memset(&after, 0, sizeof(after));
		if (advidx_writer_open(&w, out_path, st, err) < 0)
			return -1;
		built.w = &w;
		if (advidx_walk(dir, seen_file, NULL, &built, err) < 0 ||
		    advidx_writer_finish(&w, "directory", dir, err) < 0) {
			seen_free(&built);
			advidx_writer_abort(&w);
			return -1;
		}
		if (advidx_install(&w, out_path, err) < 0) {
			seen_free(&built);
			return -1;
		}
		same = unchanged_since_build(dir, &built, &after, err);
		if (same == 1 && record_dirstate(out_path, &after, err) < 0)
			same = -1;
		if (same == 1 && !dirs_still(dir, &after))
			same = 0; /* changed while recording: the states just written are stale */
		seen_free(&built);
		seen_free(&after);
		if (same != 0)
			return same == 1 ? 0 : -1;
	}
	return ns_fail(err, "advisory directory %s changed during each of 3 builds; index it "
	    "again later", dir);
}
