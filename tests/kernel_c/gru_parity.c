/* The fused GRU kernel's parity checks in C, without Python or torch: for a grid of layer options,
 * the kernel's float64 forward pass against a plain reference written from the equations below,
 * its float64 gradients against central differences of that reference, and its float32 forward
 * pass and gradients against its float64 ones.
 *
 * It is built against the kernel's own source (fused_gru.c is included), so the same file checks
 * any instruction set the compiler targets: tests/nn/test_kernel_c_parity.py builds and runs it for
 * every ISA this CPU runs, and tests/kernel_c/cross_check.py cross-compiles it for aarch64 (NEON)
 * and runs it under an emulator. Prints one line per case; exits 0 when every check passes.
 *
 *     cc -O2 -std=gnu11 -I src/grukit/nn/csrc tests/kernel_c/gru_parity.c -lm && ./a.out
 *
 * The reference, per direction d (d = 1 walks t = T-1 .. 0), per step t and batch row b with
 * t < length[b] (later steps keep the state and output zeros):
 *
 *   gi = LN(W_ih x_t) + b_ih                                   LN per block of H, when gains are given
 *   reset after:  gh = LN(W_hh h) + b_hh,  r = s(gi_r + gh_r),  z = s(gi_z + gh_z),  n = tanh(gi_n + r gh_n)
 *   reset before: r, z as above from W_hh[:2H];  n = tanh(gi_n + LN(W_hn (r h)) + b_hn)
 *   h' = n + z (h - n)
 *
 * The loss whose gradients are checked: L = sum(out * d_out) + sum(h_n * d_h_n).
 */
#include <stdio.h>

#include "fused_gru.c"

typedef struct {
    const char *name;
    int64_t T, B, I, H, D, reset_after, with_lengths, layer_norm;
} gru_case;

/* One set of inputs in float64: x (T, B, I), h0 (D, B, H), weights (D, 3H, I|H), biases and
 * gains (D, 3H). `values` holds them back to back, in the order of the `part` offsets. */
enum { P_X, P_H0, P_WIH, P_WHH, P_BIH, P_BHH, P_GIH, P_GHH, N_PARTS };
typedef struct {
    gru_case c;
    int64_t offset[N_PARTS + 1];
    double *values;
    int64_t *lengths;
} inputs;

static uint64_t rng_state = 88172645463325252ull;
static double uniform(void) { /* xorshift64, in [-1, 1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / (double)(1ull << 52) - 1.0;
}

static inputs make_inputs(gru_case c) {
    inputs in = {.c = c};
    const int64_t G = 3 * c.H;
    const int64_t sizes[N_PARTS] = {c.T * c.B * c.I, c.D * c.B * c.H, c.D * G * c.I, c.D * G * c.H,
                                    c.D * G, c.D * G, c.layer_norm ? c.D * G : 0, c.layer_norm ? c.D * G : 0};
    for (int k = 0; k < N_PARTS; k++) in.offset[k + 1] = in.offset[k] + sizes[k];
    in.values = malloc(sizeof(double) * (size_t)in.offset[N_PARTS]);
    for (int64_t i = 0; i < in.offset[N_PARTS]; i++) in.values[i] = 0.5 * uniform();
    for (int64_t i = in.offset[P_GIH]; i < in.offset[P_GHH + 1]; i++) in.values[i] += 1.0; /* gains near 1 */
    in.lengths = NULL;
    if (c.with_lengths) {
        in.lengths = malloc(sizeof(int64_t) * (size_t)c.B);
        for (int64_t b = 0; b < c.B; b++) in.lengths[b] = 1 + (b * 5 + 2) % c.T; /* 1 .. T, mixed */
    }
    return in;
}

static const double *part(const inputs *in, const double *values, int k) {
    return in->offset[k + 1] > in->offset[k] ? values + in->offset[k] : NULL;
}

/* ---------------------------------------------------------------- the reference, float64 */
static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* y (n) = W (n x k) v (k); then layer norm per block of H when gain is not NULL. */
static void project(double *y, const double *W, const double *v, int64_t n, int64_t k, const double *gain, int64_t H) {
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < k; j++) s += W[i * k + j] * v[j];
        y[i] = s;
    }
    if (!gain) return;
    for (int64_t b0 = 0; b0 < n; b0 += H) {
        double mean = 0, var = 0;
        for (int64_t i = b0; i < b0 + H; i++) mean += y[i] / (double)H;
        for (int64_t i = b0; i < b0 + H; i++) var += (y[i] - mean) * (y[i] - mean) / (double)H;
        for (int64_t i = b0; i < b0 + H; i++) y[i] = (y[i] - mean) / sqrt(var + 1e-5) * gain[i];
    }
}

/* out (T, B, D*H), h_n (D, B, H) from the inputs in `values` (laid out as in `in`). */
static void reference(const inputs *in, const double *values, double *out, double *h_n) {
    const gru_case c = in->c;
    const int64_t H = c.H, G = 3 * H, DH = c.D * H;
    double *gi = malloc(sizeof(double) * (size_t)G), *gh = malloc(sizeof(double) * (size_t)G);
    double *rh = malloc(sizeof(double) * (size_t)H), *h = malloc(sizeof(double) * (size_t)H);
    for (int64_t d = 0; d < c.D; d++) {
        const double *Wi = part(in, values, P_WIH) + d * G * c.I, *Wh = part(in, values, P_WHH) + d * G * H;
        const double *bi = part(in, values, P_BIH) + d * G, *bh = part(in, values, P_BHH) + d * G;
        const double *gni = c.layer_norm ? part(in, values, P_GIH) + d * G : NULL;
        const double *gnh = c.layer_norm ? part(in, values, P_GHH) + d * G : NULL;
        for (int64_t b = 0; b < c.B; b++) {
            memcpy(h, part(in, values, P_H0) + (d * c.B + b) * H, sizeof(double) * (size_t)H);
            const int64_t length = in->lengths ? in->lengths[b] : c.T;
            for (int64_t s = 0; s < c.T; s++) {
                const int64_t t = d ? c.T - 1 - s : s;
                double *o = out + (t * c.B + b) * DH + d * H;
                if (t >= length) {
                    memset(o, 0, sizeof(double) * (size_t)H);
                    continue;
                }
                project(gi, Wi, part(in, values, P_X) + (t * c.B + b) * c.I, G, c.I, gni, H);
                for (int64_t g = 0; g < G; g++) gi[g] += bi[g];
                project(gh, Wh, h, c.reset_after ? G : 2 * H, H, gnh, H);
                for (int64_t g = 0; g < (c.reset_after ? G : 2 * H); g++) gh[g] += bh[g];
                for (int64_t j = 0; j < H; j++) {
                    const double r = sigmoid(gi[j] + gh[j]);
                    rh[j] = r;
                    gi[H + j] = sigmoid(gi[H + j] + gh[H + j]); /* z, kept in gi */
                }
                if (c.reset_after) {
                    for (int64_t j = 0; j < H; j++) gi[2 * H + j] = tanh(gi[2 * H + j] + rh[j] * gh[2 * H + j]);
                } else {
                    for (int64_t j = 0; j < H; j++) rh[j] *= h[j];
                    project(gh + 2 * H, Wh + 2 * H * H, rh, H, H, gnh ? gnh + 2 * H : NULL, H);
                    for (int64_t j = 0; j < H; j++) gi[2 * H + j] = tanh(gi[2 * H + j] + gh[2 * H + j] + bh[2 * H + j]);
                }
                for (int64_t j = 0; j < H; j++) {
                    const double n = gi[2 * H + j], z = gi[H + j];
                    h[j] = n + z * (h[j] - n);
                    o[j] = h[j];
                }
            }
            memcpy(h_n + (d * c.B + b) * H, h, sizeof(double) * (size_t)H);
        }
    }
    free(gi), free(gh), free(rh), free(h);
}

static double loss(const inputs *in, const double *values, const double *d_out, const double *d_h_n) {
    const gru_case c = in->c;
    const int64_t n_out = c.T * c.B * c.D * c.H, n_h = c.D * c.B * c.H;
    double *out = malloc(sizeof(double) * (size_t)n_out), *h_n = malloc(sizeof(double) * (size_t)n_h), s = 0;
    reference(in, values, out, h_n);
    for (int64_t i = 0; i < n_out; i++) s += out[i] * d_out[i];
    for (int64_t i = 0; i < n_h; i++) s += h_n[i] * d_h_n[i];
    free(out), free(h_n);
    return s;
}

/* ---------------------------------------------------------------- the kernel, either type */
typedef struct { /* the kernel's results, converted to float64 */
    double *out, *h_n, *grad; /* grad laid out as `values`: d_x, d_h0, d_weight_ih, ... */
} results;

static void *typed(const double *v, int64_t n, int f32) {
    if (!v || !n) return NULL;
    void *p = aligned_buffer((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) {
        if (f32) ((float *)p)[i] = (float)v[i];
        else ((double *)p)[i] = v[i];
    }
    return p;
}

static void *zeroed(int64_t n) {
    void *p = aligned_buffer((size_t)n * 8);
    memset(p, 0, (size_t)n * 8);
    return p;
}

static void to_double(double *dst, const void *src, int64_t n, int f32) {
    for (int64_t i = 0; i < n; i++) dst[i] = f32 ? ((const float *)src)[i] : ((const double *)src)[i];
}

/* Run the kernel's training forward pass and its backward pass; 0 on success. */
static int run_kernel(const inputs *in, const double *d_out, const double *d_h_n, int f32, int64_t threads,
                      results *res) {
    const gru_case c = in->c;
    const int64_t G = 3 * c.H, n_out = c.T * c.B * c.D * c.H, n_h = c.D * c.B * c.H;
    void *p[N_PARTS];
    for (int k = 0; k < N_PARTS; k++) p[k] = typed(part(in, in->values, k), in->offset[k + 1] - in->offset[k], f32);
    gru_args a = {.T = c.T, .B = c.B, .I = c.I, .H = c.H, .D = c.D, .reset_after = c.reset_after,
                  .threads = threads, .x_stride_t = c.B * c.I, .x_stride_b = c.I,
                  .d_out_stride_t = c.B * c.D * c.H, .d_out_stride_b = c.D * c.H,
                  .x = p[P_X], .h0 = p[P_H0], .weight_ih = p[P_WIH], .weight_hh = p[P_WHH], .bias_ih = p[P_BIH],
                  .bias_hh = p[P_BHH], .ln_gain_ih = p[P_GIH], .ln_gain_hh = p[P_GHH], .lengths = in->lengths};
    a.out = zeroed(n_out), a.h_n = zeroed(n_h);
    const int64_t lanes = f32 ? gru_lanes_f32(&a) : gru_lanes_f64(&a);
    const int64_t per_step = c.D * c.T * c.B; /* lanes: 4 factors per unit (LANE_FACTORS in gru_lanes.h) */
    a.gates = zeroed(lanes ? c.D * c.T * ((c.B + lanes - 1) / lanes) * c.H * 4 * lanes : per_step * G);
    if (c.reset_after && !lanes) a.gh_n = zeroed(per_step * c.H);
    if (c.layer_norm) {
        a.xhat_ih = zeroed(per_step * G), a.xhat_hh = zeroed(per_step * G);
        a.rstd_ih = zeroed(per_step * 3), a.rstd_hh = zeroed(per_step * 3);
    }
    int err = f32 ? gru_forward_f32(&a) : gru_forward_f64(&a);
    a.d_out = typed(d_out, n_out, f32), a.d_h_n = typed(d_h_n, n_h, f32);
    void *d[N_PARTS] = {zeroed(c.D * c.T * c.B * c.I), zeroed(n_h), zeroed(c.D * G * c.I), zeroed(c.D * G * c.H),
                        zeroed(c.D * G), zeroed(c.D * G), c.layer_norm ? zeroed(c.D * G) : NULL,
                        c.layer_norm ? zeroed(c.D * G) : NULL};
    a.d_x = d[P_X], a.d_h0 = d[P_H0], a.d_weight_ih = d[P_WIH], a.d_weight_hh = d[P_WHH], a.d_bias_ih = d[P_BIH];
    a.d_bias_hh = d[P_BHH], a.d_ln_gain_ih = d[P_GIH], a.d_ln_gain_hh = d[P_GHH];
    if (!err) err = f32 ? gru_backward_f32(&a) : gru_backward_f64(&a);
    res->out = malloc(sizeof(double) * (size_t)n_out), res->h_n = malloc(sizeof(double) * (size_t)n_h);
    res->grad = calloc((size_t)in->offset[N_PARTS], sizeof(double));
    to_double(res->out, a.out, n_out, f32);
    to_double(res->h_n, a.h_n, n_h, f32);
    double *tmp = malloc(sizeof(double) * (size_t)(c.D * c.T * c.B * c.I));
    to_double(tmp, d[P_X], c.D * c.T * c.B * c.I, f32); /* d_x: one slice per direction, summed here */
    for (int64_t dd = 0; dd < c.D; dd++)
        for (int64_t i = 0; i < c.T * c.B * c.I; i++) res->grad[i] += tmp[dd * c.T * c.B * c.I + i];
    for (int k = P_H0; k < N_PARTS; k++)
        if (d[k]) to_double(res->grad + in->offset[k], d[k], in->offset[k + 1] - in->offset[k], f32);
    free(tmp);
    for (int k = 0; k < N_PARTS; k++) free(p[k]), free(d[k]);
    free(a.out), free(a.h_n), free(a.gates), free(a.gh_n), free(a.xhat_ih), free(a.xhat_hh), free(a.rstd_ih);
    free(a.rstd_hh), free((void *)a.d_out), free((void *)a.d_h_n);
    return err;
}

static double max_abs_diff(const double *a, const double *b, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

/* ---------------------------------------------------------------- one case */
static int check(gru_case c, int64_t threads) {
    inputs in = make_inputs(c);
    const int64_t n_out = c.T * c.B * c.D * c.H, n_h = c.D * c.B * c.H, n = in.offset[N_PARTS];
    double *d_out = malloc(sizeof(double) * (size_t)n_out), *d_h_n = malloc(sizeof(double) * (size_t)n_h);
    for (int64_t i = 0; i < n_out; i++) d_out[i] = uniform();
    for (int64_t i = 0; i < n_h; i++) d_h_n[i] = uniform();
    double *out = malloc(sizeof(double) * (size_t)n_out), *h_n = malloc(sizeof(double) * (size_t)n_h);
    reference(&in, in.values, out, h_n);
    results r64, r32;
    int err = run_kernel(&in, d_out, d_h_n, 0, threads, &r64) | run_kernel(&in, d_out, d_h_n, 1, threads, &r32);
    const double forward64 = fmax(max_abs_diff(r64.out, out, n_out), max_abs_diff(r64.h_n, h_n, n_h));
    /* gradients: the directional derivative along 3 random directions, by central differences */
    double gradient64 = 0, *shifted = malloc(sizeof(double) * (size_t)n), *v = malloc(sizeof(double) * (size_t)n);
    for (int k = 0; k < 3; k++) {
        double analytic = 0, eps = 1e-6;
        for (int64_t i = 0; i < n; i++) v[i] = uniform(), analytic += r64.grad[i] * v[i];
        for (int64_t i = 0; i < n; i++) shifted[i] = in.values[i] + eps * v[i];
        double up = loss(&in, shifted, d_out, d_h_n);
        for (int64_t i = 0; i < n; i++) shifted[i] = in.values[i] - eps * v[i];
        double numeric = (up - loss(&in, shifted, d_out, d_h_n)) / (2 * eps);
        gradient64 = fmax(gradient64, fabs(analytic - numeric) / fmax(1.0, fabs(numeric)));
    }
    const double forward32 = fmax(max_abs_diff(r32.out, r64.out, n_out), max_abs_diff(r32.h_n, r64.h_n, n_h));
    double scale = 1e-12;
    for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(r64.grad[i]));
    const double gradient32 = max_abs_diff(r32.grad, r64.grad, n) / scale;
    gru_args shape = {.B = c.B, .H = c.H, .reset_after = c.reset_after, .lengths = in.lengths,
                      .ln_gain_ih = c.layer_norm ? in.values : NULL};
    const char *layout = gru_lanes_f32(&shape) ? "lanes" : "rows"; /* float32's; float64 may differ */
    const int ok = !err && forward64 < 1e-10 && gradient64 < 1e-6 && forward32 < 1e-5 && gradient32 < 1e-4;
    printf("%-4s %-44s %-5s f64 forward %.1e, gradient %.1e; f32 forward %.1e, gradient %.1e%s\n", ok ? "ok" : "FAIL",
           c.name, layout, forward64, gradient64, forward32, gradient32, err ? " (the kernel returned an error)" : "");
    free(in.values), free(in.lengths), free(d_out), free(d_h_n), free(out), free(h_n), free(shifted), free(v);
    free(r64.out), free(r64.h_n), free(r64.grad), free(r32.out), free(r32.h_n), free(r32.grad);
    return ok;
}

int main(int argc, char **argv) {
    const int64_t threads = argc > 1 ? atoll(argv[1]) : 1;
    /* name, T, B, I, H, D, reset_after, lengths, layer norm */
    const gru_case cases[] = {
        {"reset after, H 8", 5, 3, 4, 8, 1, 1, 0, 0},
        {"reset after, H 20 (not a multiple of the vector)", 6, 4, 3, 20, 1, 1, 0, 0},
        {"reset after, H 20, batch 150", 4, 150, 1, 20, 1, 1, 0, 0},
        {"reset before (textbook), H 16", 4, 5, 6, 16, 1, 0, 0, 0},
        {"bidirectional, lengths, H 12", 6, 5, 3, 12, 2, 1, 1, 0},
        {"bidirectional, reset before, lengths, H 33", 5, 3, 7, 33, 2, 0, 1, 0},
        {"layer norm, reset after, H 16", 4, 4, 5, 16, 1, 1, 0, 1},
        {"layer norm, reset before, bidirectional, H 9", 3, 3, 4, 9, 2, 0, 0, 1},
        {"batch 64, T 12, H 64", 12, 64, 8, 64, 1, 1, 0, 0},
    };
    int passed = 0, total = (int)(sizeof(cases) / sizeof(cases[0]));
    printf("fused GRU kernel, %d-bit vectors, %lld thread(s)\n", VBYTES * 8, (long long)threads);
    for (int k = 0; k < total; k++) passed += check(cases[k], threads);
    printf("%d of %d cases passed\n", passed, total);
    return passed == total ? 0 : 1;
}
