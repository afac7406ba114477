/* Issue 23, "bf16 where the CPU has it": oneDNN's matmul primitive (the system's libdnnl, Debian's 2.6.3 here) at
 * CLIP's product shapes, float32 x float32 -> float32 and bf16 x bf16 -> float32, with the weights (the right operand)
 * either plain row-major ("ab") or in the layout the primitive prefers ("any", reordered once before timing, as a
 * trainer would per step). Prints per shape and route: the implementation oneDNN chose, GFLOP/s (process CPU time,
 * best of REPS rounds), the relative Frobenius error against a float64 product of the float32 operands, and the cost
 * of converting the left operand float32 -> bf16. Build and run: see bench/bf16/README.md. */
#include <dnnl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(f) do { dnnl_status_t s_ = (f); if (s_ != dnnl_success) { \
    fprintf(stderr, "%s failed: %d\n", #f, (int) s_); exit(1); } } while (0)

static double cpu_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* float32 -> bf16, round to nearest even (finite inputs). */
static void to_bf16(const float *x, uint16_t *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        u += 0x7FFF + ((u >> 16) & 1);
        y[i] = (uint16_t) (u >> 16);
    }
}

static float randn(void) {
    double u = (rand() + 1.0) / (RAND_MAX + 2.0), v = (rand() + 1.0) / (RAND_MAX + 2.0);
    return (float) (sqrt(-2 * log(u)) * cos(2 * M_PI * v));
}

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int reps = 7;

/* One route: returns seconds per call (best round); fills c (float32, m x n). */
static double run(const char *shape, const char *route, dnnl_data_type_t dt, int weights_any, const void *a,
                  const void *b, float *c, int m, int k, int n, double *out_flops) {
    dnnl_memory_desc_t a_md, b_md, b_plain_md, c_md;
    dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
    CHECK(dnnl_memory_desc_init_by_tag(&a_md, 2, ad, dt, dnnl_ab));
    CHECK(dnnl_memory_desc_init_by_tag(&b_plain_md, 2, bd, dt, dnnl_ab));
    CHECK(dnnl_memory_desc_init_by_tag(&b_md, 2, bd, dt, weights_any ? dnnl_format_tag_any : dnnl_ab));
    CHECK(dnnl_memory_desc_init_by_tag(&c_md, 2, cd, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t desc;
    CHECK(dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md));
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL));
    const char *impl = NULL;
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_primitive_t prim;
    CHECK(dnnl_primitive_create(&prim, pd));
    dnnl_memory_t am, bm, bplain, cm;
    CHECK(dnnl_memory_create(&am, &a_md, engine, (void *) a));
    CHECK(dnnl_memory_create(&bplain, &b_plain_md, engine, (void *) b));
    CHECK(dnnl_memory_create(&cm, &c_md, engine, c));
    double reorder_s = 0;
    if (weights_any && !dnnl_memory_desc_equal(wmd, &b_plain_md)) {
        CHECK(dnnl_memory_create(&bm, wmd, engine, DNNL_MEMORY_ALLOCATE));
        dnnl_primitive_desc_t rpd;
        CHECK(dnnl_reorder_primitive_desc_create(&rpd, &b_plain_md, engine, wmd, engine, NULL));
        dnnl_primitive_t r;
        CHECK(dnnl_primitive_create(&r, rpd));
        dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, bplain}, {DNNL_ARG_TO, bm}};
        double t0 = cpu_s();
        CHECK(dnnl_primitive_execute(r, stream, 2, rargs));
        CHECK(dnnl_stream_wait(stream));
        reorder_s = cpu_s() - t0;
        dnnl_primitive_destroy(r);
        dnnl_primitive_desc_destroy(rpd);
    } else {
        bm = bplain;
    }
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
    double flop = 2.0 * m * k * n;
    int calls = flop < 1e9 ? (int) (1e9 / flop) : 1;
    CHECK(dnnl_primitive_execute(prim, stream, 3, args)); /* warm-up */
    CHECK(dnnl_stream_wait(stream));
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_s();
        for (int i = 0; i < calls; i++) CHECK(dnnl_primitive_execute(prim, stream, 3, args));
        CHECK(dnnl_stream_wait(stream));
        double t = (cpu_s() - t0) / calls;
        if (t < best) best = t;
    }
    printf("RESULT %s %s impl=%s %.1f GFLOP/s (%.3f ms, process CPU, best of %d)", shape, route, impl,
           flop / best * 1e-9, best * 1e3, reps);
    if (weights_any) printf(" weights_reorder %.3f ms", reorder_s * 1e3);
    *out_flops = flop / best;
    if (bm != bplain) dnnl_memory_destroy(bm);
    dnnl_memory_destroy(am);
    dnnl_memory_destroy(bplain);
    dnnl_memory_destroy(cm);
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(pd);
    return best;
}

/* Best-of-reps process CPU seconds of oneDNN's reorder of the m x k float32 a into bf16 (the vectorised conversion). */
static double reorder_to_bf16(const float *a, uint16_t *y, int m, int k) {
    dnnl_memory_desc_t f, h;
    dnnl_dims_t d = {m, k};
    CHECK(dnnl_memory_desc_init_by_tag(&f, 2, d, dnnl_f32, dnnl_ab));
    CHECK(dnnl_memory_desc_init_by_tag(&h, 2, d, dnnl_bf16, dnnl_ab));
    dnnl_memory_t fm, hm;
    CHECK(dnnl_memory_create(&fm, &f, engine, (void *) a));
    CHECK(dnnl_memory_create(&hm, &h, engine, y));
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_reorder_primitive_desc_create(&pd, &f, engine, &h, engine, NULL));
    dnnl_primitive_t r;
    CHECK(dnnl_primitive_create(&r, pd));
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, fm}, {DNNL_ARG_TO, hm}};
    double best = 1e30;
    for (int i = 0; i <= reps; i++) { /* the first is a warm-up */
        double t0 = cpu_s();
        CHECK(dnnl_primitive_execute(r, stream, 2, args));
        CHECK(dnnl_stream_wait(stream));
        double t = cpu_s() - t0;
        if (i > 0 && t < best) best = t;
    }
    dnnl_primitive_destroy(r);
    dnnl_primitive_desc_destroy(pd);
    dnnl_memory_destroy(fm);
    dnnl_memory_destroy(hm);
    return best;
}

static double rel_err(const float *c, const double *ref, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = c[i] - ref[i];
        num += d * d;
        den += ref[i] * ref[i];
    }
    return sqrt(num / den);
}

int main(int argc, char **argv) {
    if (argc > 1) reps = atoi(argv[1]);
    const dnnl_version_t *v = dnnl_version();
    printf("oneDNN %d.%d.%d (%s), cpu_runtime %d\n", v->major, v->minor, v->patch, v->hash, v->cpu_runtime);
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    int shapes[][3] = {{8320, 128, 384}, {8320, 128, 512}, {8320, 512, 128},
                       {400, 768, 2304}, {400, 768, 3072}, {400, 3072, 768}, {1024, 1024, 1024}};
    srand(23);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        char shape[64];
        snprintf(shape, sizeof shape, "[%d,%d]x[%d,%d]", m, k, k, n);
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
        uint16_t *ab = malloc(2ul * m * k), *bb = malloc(2ul * k * n);
        double *ref = calloc((size_t) m * n, sizeof(double));
        for (size_t i = 0; i < (size_t) m * k; i++) a[i] = randn();
        for (size_t i = 0; i < (size_t) k * n; i++) b[i] = randn();
        for (int i = 0; i < m; i++) /* float64 reference of the float32 operands */
            for (int p = 0; p < k; p++) {
                double x = a[(size_t) i * k + p];
                for (int j = 0; j < n; j++) ref[(size_t) i * n + j] += x * b[(size_t) p * n + j];
            }
        to_bf16(b, bb, (size_t) k * n);
        double conv = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = cpu_s();
            to_bf16(a, ab, (size_t) m * k);
            double t = cpu_s() - t0;
            if (t < conv) conv = t;
        }
        double fl, f32 = 0;
        const char *routes[] = {"f32_weights_ab", "f32_weights_any", "bf16_to_f32_weights_ab", "bf16_to_f32_weights_any"};
        for (int r = 0; r < 4; r++) {
            int bf = r >= 2;
            double t = run(shape, routes[r], bf ? dnnl_bf16 : dnnl_f32, r & 1, bf ? (void *) ab : (void *) a,
                           bf ? (void *) bb : (void *) b, c, m, k, n, &fl);
            if (r == 0) f32 = t;
            printf(" rel_err %.2e\n", rel_err(c, ref, (size_t) m * n));
        }
        printf("RESULT %s convert_a_f32_to_bf16 %.3f ms (%.1f%% of the f32 product, scalar C loop)\n", shape,
               conv * 1e3, 100 * conv / f32);
        uint16_t *check = malloc(2ul * m * k);
        double reo = reorder_to_bf16(a, check, m, k);
        printf("RESULT %s reorder_a_f32_to_bf16 %.3f ms (%.1f%% of the f32 product, oneDNN reorder, %s the C loop's bits)\n",
               shape, reo * 1e3, 100 * reo / f32, memcmp(check, ab, 2ul * m * k) ? "differs from" : "equal to");
        free(check);
        fflush(stdout);
        free(a); free(b); free(c); free(ab); free(bb); free(ref);
    }
    return 0;
}
