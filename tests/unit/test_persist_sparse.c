/* test_persist_sparse.c: the facts cache's value checks on the sparse
 * lists (src/engine/persist.c). Each case breaks one value in a saved
 * facts file, repairs the section and header checksums (so only the value
 * check stands in the way), and engine_load must refuse the file; the
 * untouched file must load. Like tests/fuzz/fuzz_facts.c, this includes
 * persist.c for its layout and checksums, so the archive's copy stays out. */
#include "../../src/engine/persist.c"

#include "test_engine_fixture.h"

#define TABLE_ID 77

static char dir[64], path[128];
static fx f;
static unsigned char *image;   /* the good facts file */
static size_t image_size;

static int setup(void **state)
{
    (void)state;
    return fx_tmp_facts("nettui-persist-sparse", dir, sizeof dir, path, sizeof path);
}

static int teardown(void **state)
{
    (void)state;
    fx_tmp_facts_remove(dir, path);
    return 0;
}

static void write_image(const unsigned char *c, size_t n)
{
    FILE *w = fopen(path, "wb");
    assert_non_null(w);
    assert_int_equal(fwrite(c, 1, n, w), n);
    assert_int_equal(fclose(w), 0);
}

/* The facts of a small internal network (self traffic, repeats, several
 * ports both ways), saved, read back as bytes. */
static void make_image(void)
{
    char a[16], b[16];
    fx_init(&f, 20000);
    for (uint32_t r = 0; r < 6000; r++) {
        int64_t ts = FX_T0 + (int64_t)fx_below(&f, 48) * FX_HOUR + r;
        uint32_t s = fx_below(&f, 40), d = fx_below(&f, 40);
        switch (r % 3) {
        case 0: fx_add(&f, ts, fx_ip(a, 13, s), fx_ip(b, 13, d), (uint16_t)(100 + fx_below(&f, 5)), 100 + r); break;
        case 1: fx_add(&f, ts, fx_ip(a, 13, s), fx_ip(b, 16, d), (uint16_t)(200 + fx_below(&f, 5)), 100 + r); break;
        default: fx_add(&f, ts, fx_ip(a, 16, s), fx_ip(b, 13, d), (uint16_t)(300 + fx_below(&f, 5)), 100 + r);
        }
    }
    engine *e = fx_engine(&f, NULL);
    assert_true(e->ntri > 100 && e->nhp > 100);
    char err[256];
    assert_int_equal(engine_save(e, path, TABLE_ID, err, sizeof err), 0);
    engine_free(e);
    FILE *r = fopen(path, "rb");
    assert_non_null(r);
    fseek(r, 0, SEEK_END);
    image_size = (size_t)ftell(r);
    rewind(r);
    image = malloc(image_size);
    assert_int_equal(fread(image, 1, image_size, r), image_size);
    fclose(r);
}

/* A pointer to element k of section s (of element size size) in c. */
static void *elem(unsigned char *c, int s, size_t k, size_t size)
{
    facts_header h;
    memcpy(&h, c, sizeof h);
    assert_true((k + 1) * size <= h.sec[s].len);
    return c + h.sec[s].off + k * size;
}

/* The checksums of c made right again. */
static void repair(unsigned char *c)
{
    facts_header h;
    memcpy(&h, c, sizeof h);
    for (int s = 0; s < S_COUNT; s++)
        if (h.present >> s & 1) h.sec[s].sum = util_sum64(c + h.sec[s].off, (size_t)h.sec[s].len, (uint64_t)s);
    h.header_sum = util_sum64(&h, offsetof(facts_header, header_sum), 0);
    memcpy(c, &h, sizeof h);
}

static engine *load(char *why, size_t whylen)
{
    engine_options o;
    fx_options(&o);
    cache_reason absent;
    return engine_load(&f.t, &o, path, TABLE_ID, &absent, why, whylen);
}

static void expect_refused(unsigned char *c, const char *what)
{
    repair(c);
    write_image(c, image_size);
    char why[256];
    engine *e = load(why, sizeof why);
    if (e) fail_msg("%s: a broken facts file was loaded", what);
    if (!strstr(why, "values out of bounds")) fail_msg("%s: refused for another reason: %s", what, why);
}

static void test_values_refused(void **state)
{
    (void)state;
    make_image();
    char why[256];
    write_image(image, image_size);
    engine *good = load(why, sizeof why);
    if (!good) fail_msg("the good file: %s", why);
    uint32_t ni = good->nint, nsp = good->sp_int.n, np = good->nports;
    int64_t ts_min = f.t.ts_min, ts_max = f.t.ts_max;
    uint64_t ntri = good->ntri;
    /* a source with two triples, and one with none before a source with some */
    uint32_t two = NO_INDEX;
    for (uint32_t a = 0; a < ni && two == NO_INDEX; a++) if (tri_src_end(good, a) - tri_src_begin(good, a) >= 2) two = a;
    assert_true(two != NO_INDEX);
    uint64_t k2 = tri_src_begin(good, two);
    uint32_t busy = NO_INDEX;   /* a host with two (host, port) entries */
    for (uint32_t a = 0; a < ni && busy == NO_INDEX; a++) if (hp_end(good, a) - hp_begin(good, a) >= 2) busy = a;
    assert_true(busy != NO_INDEX);
    uint64_t h2 = hp_begin(good, busy);
    engine_free(good);

    unsigned char *c = malloc(image_size);
#define FRESH() memcpy(c, image, image_size)
    FRESH(); ((tri_rec *)elem(c, S_TRI, 0, sizeof(tri_rec)))->dst = ni;
    expect_refused(c, "triple destination past the internal hosts");
    FRESH(); *(uint16_t *)elem(c, S_TRI_PORT, 0, 2) = (uint16_t)nsp;
    expect_refused(c, "triple port past the internal port space");
    FRESH(); ((tri_rec *)elem(c, S_TRI, ntri - 1, sizeof(tri_rec)))->first_ms = ts_max + 1;
    expect_refused(c, "first time after the table's last");
    FRESH(); ((tri_rec *)elem(c, S_TRI, 0, sizeof(tri_rec)))->first_ms = ts_min - 1;
    expect_refused(c, "first time before the table's first");
    FRESH(); ((tri_rec *)elem(c, S_TRI, 0, sizeof(tri_rec)))->flows = 0;
    expect_refused(c, "a triple without flows");
    FRESH();
    {   /* a source's triples out of order: swap its first two */
        tri_rec *x = elem(c, S_TRI, k2, sizeof(tri_rec)), *y = elem(c, S_TRI, k2 + 1, sizeof(tri_rec)), t = *x;
        uint16_t *p = elem(c, S_TRI_PORT, k2, 2), *q = elem(c, S_TRI_PORT, k2 + 1, 2), u = *p;
        *x = *y; *y = t; *p = *q; *q = u;
    }
    expect_refused(c, "a source's triples out of order");
    FRESH(); *(uint64_t *)elem(c, S_TRI_OFF, two + 1, 8) = ntri + 1;
    expect_refused(c, "source offsets past the end");
    FRESH(); *(uint64_t *)elem(c, S_TRI_OFF, ni, 8) = ntri - 1;
    expect_refused(c, "source offsets ending short");
    FRESH(); *(uint64_t *)elem(c, S_TRI_IN_OFF, 1, 8) = ntri;
    expect_refused(c, "destination offsets not monotone");
    FRESH(); *(uint32_t *)elem(c, S_TRI_IN_SRC, 0, 4) = ni;
    expect_refused(c, "destination index source past the internal hosts");
    FRESH(); *(uint32_t *)elem(c, S_TRI_IN_SRC, 0, 4) ^= 1;
    expect_refused(c, "destination index not the transpose (source)");
    FRESH(); *(uint16_t *)elem(c, S_TRI_IN_PORT, 0, 2) ^= 1;
    expect_refused(c, "destination index not the transpose (port)");
    FRESH(); *(uint16_t *)elem(c, S_HP_PID, h2, 2) = (uint16_t)np;
    expect_refused(c, "(host, port) port past the ports");
    FRESH(); *(uint16_t *)elem(c, S_HP_PID, h2 + 1, 2) = *(uint16_t *)elem(c, S_HP_PID, h2, 2);
    expect_refused(c, "(host, port) ports not ascending");
    FRESH(); *(uint64_t *)elem(c, S_HP_OFF, ni, 8) += 1;
    expect_refused(c, "(host, port) offsets past the end");
    FRESH();
    {   /* an entry with neither direction */
        hp_rec *r = elem(c, S_HP, h2, sizeof(hp_rec));
        r->out_flows = r->in_flows = 0;
    }
    expect_refused(c, "(host, port) entry with no flows");
#undef FRESH
    /* and the untouched file still loads */
    write_image(image, image_size);
    engine *e = load(why, sizeof why);
    if (!e) fail_msg("the good file after all: %s", why);
    engine_free(e);
    free(c);
    free(image);
    flows_free(&f.t);
    if (f.bl_ready) blacklist_free(&f.bl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
