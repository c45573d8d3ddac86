/*
 * wamr-engine-bench: times the firmware's interpreter under WAMR for bench/runtime.ts.
 *
 *   wamr-engine-bench --engine FILE.wasm|FILE.aot --model M.tflite --inputs IN.bin --expect OUT.bin
 *                     [--arena BYTES] [--stack BYTES] [--pool BYTES]
 *     IN.bin holds N input vectors back to back (N * input bytes), OUT.bin V8's N outputs for
 *     them. The program loads the model, checks every output equals V8's byte for byte (exit 3
 *     otherwise), prints {"ready":...}, then reads commands on stdin, one per line:
 *       round K   K timed inferences (CLOCK_MONOTONIC), cycling through the inputs; prints one
 *                 JSON line {"round":..,"iters":K,"ns":..,"usPerInference":..}; the last output is
 *                 checked against V8's again
 *       quit/EOF  checks all N outputs once more, prints {"done":true,"maxRssKiB":..,...}, exits 0
 *   wamr-engine-bench --footprint FILE.wasm|FILE.aot
 *     loads and instantiates the module (imports left unlinked, as iwasm does), prints its WAMR
 *     heap high-water mark and linear-memory pages, exits.
 * Exit codes: 0 ok, 2 usage, 1 load/instantiate/model errors, 3 output differs from V8's, 4 trap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine.h"


/* AssemblyScript's abort(msg, file, line, col): a trap, as under V8 (engine.ts throws E_TRAP). */
static void as_abort(wasm_exec_env_t env, int32_t msg, int32_t file, int32_t line, int32_t col)
{
    char text[96];
    (void)msg;
    (void)file;
    snprintf(text, sizeof(text), "firmware engine aborted at %d:%d", line, col);
    wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), text);
}

static NativeSymbol env_natives[] = {
    { "abort", (void *)as_abort, "(iiii)", NULL },
};

typedef struct {
    const char *engine, *model, *inputs, *expect, *footprint;
    uint32_t arena, stack, pool;
} args_t;

static int usage(const char *why)
{
    fprintf(stderr, "wamr-engine-bench: %s\n", why);
    fprintf(stderr, "usage: wamr-engine-bench --engine F --model M --inputs IN --expect OUT "
                    "[--arena BYTES] [--stack BYTES] [--pool BYTES] | --footprint F [--pool BYTES]\n");
    return 2;
}

/* Parses a positive u32; 0 on garbage. */
static uint32_t parse_u32(const char *s)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    return (end && *end == '\0' && v > 0 && v <= 0xffffffffUL) ? (uint32_t)v : 0;
}

/* Returns 0, or a usage exit code. */
static int parse_args(int argc, char **argv, args_t *a)
{
    memset(a, 0, sizeof(*a));
    a->arena = 256 * 1024; /* engine.ts loadEngine's default */
    a->stack = 64 * 1024;
    a->pool = 1024 * 1024; /* WAMR's heap pool; the whole pool counts in RSS (WAMR zeroes it) */
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage("every option takes a value");
        i++;
        if (!strcmp(k, "--engine")) a->engine = v;
        else if (!strcmp(k, "--model")) a->model = v;
        else if (!strcmp(k, "--inputs")) a->inputs = v;
        else if (!strcmp(k, "--expect")) a->expect = v;
        else if (!strcmp(k, "--footprint")) a->footprint = v;
        else if (!strcmp(k, "--arena")) { if (!(a->arena = parse_u32(v))) return usage("--arena needs a positive integer"); }
        else if (!strcmp(k, "--pool")) { if (!(a->pool = parse_u32(v))) return usage("--pool needs a positive integer"); }
        else if (!strcmp(k, "--stack")) { if (!(a->stack = parse_u32(v))) return usage("--stack needs a positive integer"); }
        else return usage("unknown option");
    }
    if (a->footprint) return 0;
    if (!a->engine || !a->model || !a->inputs || !a->expect)
        return usage("--engine, --model, --inputs and --expect are required");
    return 0;
}

static int init_runtime(uint32_t pool)
{
    static RuntimeInitArgs init;
    memset(&init, 0, sizeof(init));
    init.mem_alloc_type = Alloc_With_Pool;
    init.mem_alloc_option.pool.heap_buf = malloc(pool);
    init.mem_alloc_option.pool.heap_size = pool;
    init.native_module_name = "env";
    init.native_symbols = env_natives;
    init.n_native_symbols = sizeof(env_natives) / sizeof(env_natives[0]);
    if (!init.mem_alloc_option.pool.heap_buf || !wasm_runtime_full_init(&init)) {
        fprintf(stderr, "wamr-engine-bench: WAMR runtime initialisation failed\n");
        return -1;
    }
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_ERROR);
    return 0;
}

static long max_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static uint32_t heap_highmark(void)
{
    mem_alloc_info_t info;
    return wasm_runtime_get_mem_alloc_info(&info) ? info.highmark_size : 0;
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

typedef struct {
    engine_t e;
    uint8_t *inputs, *expect;
    uint32_t n;    /* input vectors */
    uint32_t next; /* next input index */
    uint32_t pool; /* WAMR heap pool bytes */
} bench_t;

/* Runs input k and compares the output with V8's. 0, 3 on a difference, 4 on a trap/status. */
static int run_checked(bench_t *b, uint32_t k)
{
    char err[256];
    int st = engine_invoke(&b->e, b->inputs + (size_t)k * b->e.in_len, err, sizeof(err));
    if (st != 0) {
        if (st != -1000) snprintf(err, sizeof(err), "modelInvoke returned status %d", st);
        fprintf(stderr, "wamr-engine-bench: input %u: %s\n", k, err);
        return 4;
    }
    const uint8_t *want = b->expect + (size_t)k * b->e.out_len;
    for (uint32_t i = 0; i < b->e.out_len; i++) {
        if (b->e.out[i] != want[i]) {
            fprintf(stderr, "wamr-engine-bench: output of input %u differs from V8's at byte %u "
                            "(WAMR %d, V8 %d)\n", k, i, (int8_t)b->e.out[i], (int8_t)want[i]);
            return 3;
        }
    }
    return 0;
}

static int check_all(bench_t *b)
{
    for (uint32_t k = 0; k < b->n; k++) {
        int rc = run_checked(b, k);
        if (rc) return rc;
    }
    return 0;
}

/* Reads the model, inputs and expected outputs and loads the model. 0, or an exit code. */
static int setup(bench_t *b, const args_t *a)
{
    char err[320];
    uint32_t mlen = 0, ilen = 0, olen = 0;
    uint8_t *model = read_file(a->model, &mlen);
    b->inputs = read_file(a->inputs, &ilen);
    b->expect = read_file(a->expect, &olen);
    if (!model || !b->inputs || !b->expect) {
        fprintf(stderr, "wamr-engine-bench: cannot read %s: %s\n",
                !model ? a->model : !b->inputs ? a->inputs : a->expect, strerror(errno));
        return 1;
    }
    if (engine_open(&b->e, a->engine, a->stack, err, sizeof(err))
        || engine_load_model(&b->e, model, mlen, a->arena, err, sizeof(err))) {
        fprintf(stderr, "wamr-engine-bench: %s\n", err);
        return 1;
    }
    free(model);
    b->n = ilen / b->e.in_len;
    if (b->n == 0 || ilen % b->e.in_len || olen != b->n * b->e.out_len) {
        fprintf(stderr, "wamr-engine-bench: %s has %u bytes and %s %u: want N*%u and N*%u\n",
                a->inputs, ilen, a->expect, olen, b->e.in_len, b->e.out_len);
        return 1;
    }
    return 0;
}

/* One timed round of k inferences; prints its JSON line. 0, or an exit code. */
static int round_of(bench_t *b, unsigned r, uint32_t k)
{
    char err[256];
    uint32_t last = 0;
    double t0 = now_ns();
    for (uint32_t i = 0; i < k; i++) {
        last = b->next;
        b->next = (b->next + 1) % b->n;
        int st = engine_invoke(&b->e, b->inputs + (size_t)last * b->e.in_len, err, sizeof(err));
        if (st != 0) {
            fprintf(stderr, "wamr-engine-bench: round %u: %s (status %d)\n", r, err, st);
            return 4;
        }
    }
    double ns = now_ns() - t0;
    if (memcmp(b->e.out, b->expect + (size_t)last * b->e.out_len, b->e.out_len) != 0) {
        int rc = run_checked(b, last); /* prints the first differing byte */
        if (!rc) fprintf(stderr, "wamr-engine-bench: round %u: output of input %u differed from V8's "
                                 "once and matched on a rerun\n", r, last);
        return rc ? rc : 3;
    }
    printf("{\"round\":%u,\"iters\":%u,\"ns\":%.0f,\"usPerInference\":%.3f}\n", r, k, ns, ns / 1e3 / k);
    fflush(stdout);
    return 0;
}

static int serve(bench_t *b)
{
    char line[64];
    unsigned r = 0;
    while (fgets(line, sizeof(line), stdin)) {
        unsigned long k = 0;
        if (!strncmp(line, "quit", 4)) break;
        if (sscanf(line, "round %lu", &k) != 1 || k == 0 || k > 10000000UL) {
            fprintf(stderr, "wamr-engine-bench: bad command: %s", line);
            return 2;
        }
        int rc = round_of(b, r++, (uint32_t)k);
        if (rc) return rc;
    }
    int rc = check_all(b);
    if (rc) return rc;
    printf("{\"done\":true,\"rounds\":%u,\"maxRssKiB\":%ld,\"wamrPoolBytes\":%u,\"wamrHeapHighmark\":%u,\"linearPages\":%llu}\n",
           r, max_rss_kib(), b->pool, heap_highmark(), (unsigned long long)engine_pages(&b->e));
    return 0;
}

static int footprint(const args_t *a)
{
    char err[320];
    engine_t e;
    if (engine_open(&e, a->footprint, a->stack, err, sizeof(err))) {
        fprintf(stderr, "wamr-engine-bench: %s\n", err);
        return 1;
    }
    printf("{\"footprint\":true,\"aot\":%s,\"wamrPoolBytes\":%u,\"stackBytes\":%u,\"wamrHeapAfterLoad\":%u,\"wamrHeapHighmark\":%u,\"linearPages\":%llu,\"maxRssKiB\":%ld}\n",
           e.aot ? "true" : "false", a->pool, a->stack, e.heap_after_load, heap_highmark(), (unsigned long long)engine_pages(&e), max_rss_kib());
    engine_close(&e);
    return 0;
}

int main(int argc, char **argv)
{
    args_t a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    if (init_runtime(a.pool)) return 1;
    if (a.footprint) return footprint(&a);
    bench_t b;
    memset(&b, 0, sizeof(b));
    b.pool = a.pool;
    rc = setup(&b, &a);
    if (!rc) rc = check_all(&b);
    if (!rc) {
        printf("{\"ready\":true,\"aot\":%s,\"inputBytes\":%u,\"outputBytes\":%u,\"arenaBytes\":%u,"
               "\"vectors\":%u,\"verified\":%u,\"linearPages\":%llu,\"wamrHeapHighmark\":%u}\n",
               b.e.aot ? "true" : "false", b.e.in_len, b.e.out_len, b.e.arena_bytes, b.n, b.n,
               (unsigned long long)engine_pages(&b.e), heap_highmark());
        fflush(stdout);
        rc = serve(&b);
    }
    engine_close(&b.e);
    free(b.inputs);
    free(b.expect);
    wasm_runtime_destroy();
    return rc;
}
