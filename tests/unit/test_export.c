/* test_export.c: the flag hash (the CTF's own answers give the CTF flag),
 * the answers lines, the atomic answers file and the JSON document. */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test_engine_fixture.h"
#include "nettui/export.h"

static const char *ctf[10] = {"13.37.84.125", "12.55.77.96", "124", "113", "83",
                              "14.45.67.46", "14.51.84.50", "51", "13.42.70.40", "12.49.123.62"};

/* Findings that carry the CTF's answers, on a table holding its hosts. */
static engine *ctf_findings(fx *f, finding out[DETECTOR_COUNT])
{
    fx_init(f, 100);
    for (int k = 0; k < 10; k++)
        if (strchr(ctf[k], '.')) fx_add(f, FX_T0 + k, ctf[k], "16.1.1.1", 80, 100);
    engine *e = fx_engine(f, NULL);
    for (int k = 0; k < 10; k++) {
        memset(&out[k], 0, sizeof out[k]);
        out[k].detector = k;
        out[k].found = 1;
        if (strchr(ctf[k], '.')) { out[k].kind = ANSWER_HOST; out[k].value = hosts_find(&f->t.hosts, ctf[k]); }
        else { out[k].kind = ANSWER_PORT; out[k].value = (uint32_t)atoi(ctf[k]); }
        out[k].subject = HOST_NONE;
        snprintf(out[k].why, sizeof out[k].why, "because \"%d\"\n", k);   /* JSON must escape it */
    }
    return e;
}

static void flag_of_the_ctf(void **state)
{
    fx f;
    finding out[DETECTOR_COUNT];
    engine *e = ctf_findings(&f, out);
    char hex[33];
    export_flag(e, out, hex);
    assert_string_equal(hex, "ec766132cac80b821793fb9e7fdfd763");
    char *buf = NULL; size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(export_answers(m, e, out), 0);
    fclose(m);
    char want[512] = "";
    for (int k = 0; k < 10; k++) { strcat(want, ctf[k]); strcat(want, "\n"); }
    strcat(want, "flag: ec766132cac80b821793fb9e7fdfd763\n");
    assert_string_equal(buf, want);
    free(buf);
    /* a missing answer is "?" and changes the flag */
    out[7].found = 0;
    export_flag(e, out, hex);
    assert_string_not_equal(hex, "ec766132cac80b821793fb9e7fdfd763");
    fx_free(&f, e);
}

static void answers_file_is_atomic(void **state)
{
    fx f;
    finding out[DETECTOR_COUNT];
    engine *e = ctf_findings(&f, out);
    char dir[] = "/tmp/nettui-export-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/answers.txt", dir);
    assert_int_equal(export_answers_to_path(path, e, out, NULL, err, sizeof err), 0);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char line[128];
    assert_non_null(fgets(line, sizeof line, in));
    assert_string_equal(line, "13.37.84.125\n");
    fclose(in);
    /* a path in a missing folder: -1, a sentence naming it */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/no/such/answers.txt", dir);
    assert_int_equal(export_answers_to_path(bad, e, out, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "no/such/answers.txt"));
    /* a path that is a folder: the earlier contents stay */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(export_answers_to_path(sub, e, out, NULL, err, sizeof err), -1);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* no temporary file left behind */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) = 2", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    fx_free(&f, e);
}

static void json_document(void **state)
{
    fx f;
    finding out[DETECTOR_COUNT];
    engine *e = ctf_findings(&f, out);
    out[2].score = NAN;   /* non-finite numbers become null */
    char *buf = NULL; size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(export_json(m, e, out), 0);
    fclose(m);
    assert_true(buf[0] == '{');
    assert_non_null(strstr(buf, "\"flag\": \"ec766132cac80b821793fb9e7fdfd763\""));
    assert_non_null(strstr(buf, "\"because \\\"3\\\"\\n\""));
    assert_non_null(strstr(buf, "\"score\": null"));
    assert_null(strstr(buf, "nan"));
    free(buf);
    fx_free(&f, e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flag_of_the_ctf),
        cmocka_unit_test(answers_file_is_atomic),
        cmocka_unit_test(json_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
