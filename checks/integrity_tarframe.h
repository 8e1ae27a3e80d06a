/* Strict tar framing: walks the decompressed byte stream header by header, independently
 * of libarchive, so that what libarchive is lenient about (checksums, odd numbers, data
 * after the end-of-archive marker, a pax size that differs from the header's) fails a
 * check before libarchive
 * sees the bytes, and so that what npm's own reader (node-tar) would read differently (a
 * pax path and a GNU long name for one entry, pax records split otherwise at newlines)
 * fails too. It observes every byte exactly once, in order. */
#ifndef NS_INTEGRITY_TARFRAME_H
#define NS_INTEGRITY_TARFRAME_H

#include <stddef.h>
#include <stdint.h>

#define NS_TAR_BLOCK 512
#define NS_TAR_META_MAX (64 * 1024) /* pax / GNU long-name body */

struct ns_tarframe {
	int state;
	unsigned char hdr[NS_TAR_BLOCK];
	size_t hdr_len;
	uint64_t remaining;    /* bytes of the current body still to come */
	uint64_t padding;      /* zero padding after the body */
	unsigned char meta[NS_TAR_META_MAX];
	size_t meta_len;
	char meta_type;        /* 'x' or 'L' while collecting its body */
	int pending_meta;      /* META_BIT()s of headers that still need their entry */
	int have_pax_size;     /* the pending pax header has a size record ... */
	int have_pax_path;     /* ... a path record (npm's readers disagree with a GNU
	                        * long name which of the two names the entry) */
	int meta_name_slash;   /* the pending pax path or GNU long name ends with '/' */
	char name_seen[96];    /* the pending pax path or GNU long name, for the message */
	uint64_t pax_size;     /* ... of this value, which must equal the entry's own */
	int zero_blocks;
	unsigned entries;      /* file and directory headers seen */
	/* limits */
	uint64_t max_entry_size;
	unsigned max_entries;
	/* first failure */
	const char *fail_id;
	char fail_msg[256];
};

void ns_tarframe_init(struct ns_tarframe *t, uint64_t max_entry_size, unsigned max_entries);

/* Feeds the next bytes of the tar stream. Returns 0, or -1 with fail_id/fail_msg set. */
int ns_tarframe_feed(struct ns_tarframe *t, const unsigned char *p, size_t n);

/* At the end of the stream: -1 unless the archive ended with its end-of-archive marker. */
int ns_tarframe_finish(struct ns_tarframe *t);

/* Parses a numeric header field (octal, or positive base-256). 0 or -1. */
int ns_tar_number(const unsigned char *f, size_t n, uint64_t *out);

#endif
