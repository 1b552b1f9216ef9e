/* decompress.c: .gz and .zst flow files, told by their magic bytes.
 *
 * The file is decompressed on one thread, streaming (zlib's inflate, libzstd's
 * ZSTD_decompressStream, 256 kB at a time), into an unlinked temporary file in
 * $TMPDIR; the loader then parses that file as any other, on all its threads
 * (its workers pread at any offset, which a compressed stream cannot give).
 * The cost: the decompressed size in $TMPDIR while the load runs (on a tmpfs
 * /tmp, in memory); the file goes away when the load closes it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "nettui/format.h"

#define IN_BYTES (256u << 10)
#define OUT_BYTES (1u << 20)

compress_kind compress_detect(const unsigned char *h, size_t len)
{
    if (len >= 2 && h[0] == 0x1f && h[1] == 0x8b) return COMPRESS_GZIP;
    if (len >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd) return COMPRESS_ZSTD;
    return COMPRESS_NONE;
}

static int write_all(int fd, const unsigned char *b, size_t n)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static int temp_file(char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/nettui-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot make a temporary file in %s to decompress into: %s", dir, strerror(errno));
        return -1;
    }
    unlink(path);
    return fd;
}

int decompress_to_temp(int fd, compress_kind kind, uint64_t total,
                       int (*progress)(void *, uint64_t, uint64_t, uint64_t), void *user,
                       char *err, size_t errlen)
{
    int out = temp_file(err, errlen);
    if (out < 0) return -1;
    unsigned char *in = malloc(IN_BYTES), *ob = malloc(OUT_BYTES);
    z_stream zs;
    ZSTD_DStream *zd = NULL;
    int zinit = 0, rc = -1, ended = 1, cancelled = 0;
    const char *why = NULL;
    memset(&zs, 0, sizeof zs);
    if (!in || !ob) { why = "out of memory"; goto done; }
    if (kind == COMPRESS_GZIP) {
        if (inflateInit2(&zs, 15 + 32) != Z_OK) { why = "out of memory"; goto done; }
        zinit = 1;
    } else {
        zd = ZSTD_createDStream();
        if (!zd || ZSTD_isError(ZSTD_initDStream(zd))) { why = "out of memory"; goto done; }
    }
    uint64_t pos = 0;
    for (;;) {
        ssize_t got = pread(fd, in, IN_BYTES, (off_t)pos);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { why = strerror(errno); goto done; }
        if (got == 0) break;
        pos += (uint64_t)got;
        if (kind == COMPRESS_GZIP) {
            zs.next_in = in;
            zs.avail_in = (uInt)got;
            while (zs.avail_in) {
                if (ended && zinit == 2) {   /* gzip members one after another (cat a.gz b.gz) */
                    if (inflateReset(&zs) != Z_OK) { why = "the gzip data is damaged"; goto done; }
                    zinit = 1;
                }
                zs.next_out = ob;
                zs.avail_out = OUT_BYTES;
                int z = inflate(&zs, Z_NO_FLUSH);
                if (z != Z_OK && z != Z_STREAM_END && z != Z_BUF_ERROR) { why = "the gzip data is damaged"; goto done; }
                if (write_all(out, ob, OUT_BYTES - zs.avail_out)) { why = strerror(errno); goto done; }
                ended = z == Z_STREAM_END;
                if (ended) zinit = 2;
                else if (z == Z_BUF_ERROR && zs.avail_out == OUT_BYTES) break;
            }
        } else {
            ZSTD_inBuffer ib = {in, (size_t)got, 0};
            while (ib.pos < ib.size) {
                ZSTD_outBuffer obuf = {ob, OUT_BYTES, 0};
                size_t z = ZSTD_decompressStream(zd, &obuf, &ib);
                if (ZSTD_isError(z)) { why = "the zstd data is damaged"; goto done; }
                if (write_all(out, ob, obuf.pos)) { why = strerror(errno); goto done; }
                ended = z == 0;
            }
            /* drain what the decoder still holds */
            for (;;) {
                ZSTD_outBuffer obuf = {ob, OUT_BYTES, 0};
                ZSTD_inBuffer none = {in, 0, 0};
                size_t z = ZSTD_decompressStream(zd, &obuf, &none);
                if (ZSTD_isError(z)) { why = "the zstd data is damaged"; goto done; }
                if (write_all(out, ob, obuf.pos)) { why = strerror(errno); goto done; }
                ended = z == 0;
                if (obuf.pos < OUT_BYTES) break;
            }
        }
        if (progress && progress(user, pos, total, 0)) { snprintf(err, errlen, "cancelled"); cancelled = 1; goto fail; }
    }
    /* a cut-off stream keeps what it gave, as a cut-off plain file does: the
     * last partial line is then one bad line */
    (void)ended;
    rc = 0;
done:
    if (rc && why) snprintf(err, errlen, "cannot decompress: %s", why);
fail:
    if (zinit) inflateEnd(&zs);
    if (zd) ZSTD_freeDStream(zd);
    free(in);
    free(ob);
    if (rc) { close(out); return cancelled ? DECOMPRESS_CANCELLED : -1; }
    return out;
}

/* Up to cap bytes from the start of the decompressed stream of fd. */
static size_t decompress_head(int fd, compress_kind kind, unsigned char *out, size_t cap)
{
    unsigned char in[16384];
    size_t n = 0;
    uint64_t pos = 0;
    if (kind == COMPRESS_GZIP) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, 15 + 32) != Z_OK) return 0;
        zs.next_out = out;
        zs.avail_out = (uInt)cap;
        while (zs.avail_out) {
            ssize_t got = pread(fd, in, sizeof in, (off_t)pos);
            if (got <= 0) break;
            pos += (uint64_t)got;
            zs.next_in = in;
            zs.avail_in = (uInt)got;
            int z = inflate(&zs, Z_NO_FLUSH);
            if (z != Z_OK && z != Z_BUF_ERROR) break;
        }
        n = cap - zs.avail_out;
        inflateEnd(&zs);
    } else {
        ZSTD_DStream *zd = ZSTD_createDStream();
        if (!zd) return 0;
        ZSTD_initDStream(zd);
        ZSTD_outBuffer ob = {out, cap, 0};
        while (ob.pos < cap) {
            ssize_t got = pread(fd, in, sizeof in, (off_t)pos);
            if (got <= 0) break;
            pos += (uint64_t)got;
            ZSTD_inBuffer ib = {in, (size_t)got, 0};
            while (ib.pos < ib.size && ob.pos < cap)
                if (ZSTD_isError(ZSTD_decompressStream(zd, &ob, &ib))) goto zend;
        }
zend:
        n = ob.pos;
        ZSTD_freeDStream(zd);
    }
    return n;
}

flow_format format_of_file(const char *path, flow_format forced)
{
    enum { HEAD = 64 * 1024 };
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return forced ? forced : FORMAT_CSV;
    unsigned char *buf = malloc(HEAD);
    flow_format f = forced ? forced : FORMAT_CSV;
    if (buf) {
        ssize_t got = pread(fd, buf, HEAD, 0);
        size_t n = got > 0 ? (size_t)got : 0;
        compress_kind k = compress_detect(buf, n);
        if (k != COMPRESS_NONE) n = decompress_head(fd, k, buf, HEAD);
        format_layout fl;
        format_detect((const char *)buf, n, n < HEAD, forced, &fl);
        f = fl.format;
        free(buf);
    }
    close(fd);
    return f;
}
