/* The fused GRU layer for grukit's backend="fused" (see grukit/nn/_fused.py).
 *
 * One call runs one layer, both directions, over all T steps, forward or backward. Work is split
 * into items of (direction, block of batch rows); a thread runs an item's rows through all T
 * steps, so threads never wait on each other inside the time loop (gru_entry.h). Per step, all
 * products are small matrix products of the item's rows with weights packed once per call
 * (gru_gemm.h):
 *
 *   forward   ci = x_t W_ih^T, ch = (m * h) W_hh^T, then LN, biases and the gate math (gru_rows.h)
 *   backward  the steps in reverse: gate gradients, then dh += dc_h W_hh, dx_t = dc_i W_ih, and
 *             dW_hh^T += h_rec^T dc_h, dW_ih^T += x_t^T dc_i summed over the thread's rows, so the
 *             weight gradients are formed while the step's values are still in cache.
 *
 * Shapes (B batch, T time, I input, H hidden, D directions, G = 3H, gate order r, z, n):
 *   x                   (T, B, I) with strides x_stride_t, x_stride_b and unit stride in I
 *   out (T, B, D*H), and d_out with strides d_out_stride_t, d_out_stride_b and unit stride in D*H
 *   h0, h_n, d_h0, d_h_n, rec_mask (D, B, H)
 *   weight_ih (D, G, I) weight_hh (D, G, H) bias_*, ln_gain_* and their gradients (D, G)
 *   zoneout_keep        (D, T, B, H) 1 keeps the old state, 0 takes the new one
 *   gates, xhat_ih, xhat_hh (D, T, B, G)  gh_n (D, T, B, H)  rstd_ih, rstd_hh (D, T, B, 3)
 *   d_x                 (D, T, B, I), one slice per direction (summed by the caller)
 * Direction 1 runs from t = T-1 down to 0. Steps with t >= lengths[b] keep the state and output
 * zeros, as in grukit.nn._reference.
 *
 * Plain layers with a hidden size that is not a multiple of the vector width (H = 20) and a large
 * batch run instead in the "lanes" layout of gru_lanes.h, batch rows in the vector lanes; they
 * save other values in `gates` (gru_lanes_* says which layout a layer takes and how to size it).
 * Between two such layers the output is handed over in that layout (x_lanes, out_lanes):
 *   x (T, I, Bp), d_x (D, T, I, Bp), out and d_out (T, D*H, Bp), Bp = B rounded up to whole blocks.
 *
 * The file is compiled at first use (grukit/nn/_kernel.py) and instantiated for float and
 * double by including the type-generic headers twice.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define VBYTES 64
#define ACC_REGS 24 /* accumulators a micro-kernel may hold: 32 vector registers */
#elif defined(__AVX__)
#define VBYTES 32
#define ACC_REGS 12 /* 16 vector registers */
#else
#define VBYTES 16
#define ACC_REGS 12
#endif
#define NRV_MAX (ACC_REGS / 6) /* vectors per panel row: 4 with AVX-512, 2 otherwise */
#if defined(__GNUC__) && !defined(__clang__)
#define HAVE_SHUFFLE 1 /* GCC's __builtin_shuffle: transposes in registers; else scalar loops */
#endif
#define ALIGNMENT 64

typedef struct {
    int64_t T, B, I, H, D;
    int64_t reset_after; /* 1: n = tanh(ci_n + r * ch_n); 0: n = tanh(ci_n + W_hn (r * h_rec) + b_hn) */
    int64_t threads;
    int64_t x_stride_t, x_stride_b;         /* x[t, b, i] = x[t * x_stride_t + b * x_stride_b + i] */
    int64_t d_out_stride_t, d_out_stride_b; /* the same for d_out (strides may be 0: an expanded gradient) */
    double zoneout_p; /* eval-mode zoneout h' = p h + (1 - p) h'; unused with zoneout_keep */
    const void *x, *h0, *weight_ih, *weight_hh, *bias_ih, *bias_hh, *ln_gain_ih, *ln_gain_hh, *rec_mask;
    const int64_t *lengths;
    const void *zoneout_keep;
    void *out, *h_n;                                           /* forward results; out is read back */
    void *gates, *gh_n, *xhat_ih, *rstd_ih, *xhat_hh, *rstd_hh; /* saved for backward; NULL in inference */
    const void *d_out, *d_h_n;
    void *d_x, *d_h0, *d_weight_ih, *d_weight_hh, *d_bias_ih, *d_bias_hh, *d_ln_gain_ih, *d_ln_gain_hh;
    int64_t x_lanes, out_lanes; /* 1: x and d_x, or out and d_out, in the lanes layout (gru_lanes.h) */
} gru_args;

static void *aligned_buffer(size_t bytes) {
    void *p = NULL;
    bytes = (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    if (posix_memalign(&p, ALIGNMENT, bytes ? bytes : ALIGNMENT) != 0) return NULL;
    return p;
}

typedef float vf32 __attribute__((vector_size(VBYTES)));
typedef int32_t vi32 __attribute__((vector_size(VBYTES)));
typedef double vf64 __attribute__((vector_size(VBYTES)));

/* e^x for a vector of floats: x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor polynomial of
 * degree 6 (relative error below 2e-7), times 2^n. x is clamped to [-87, 88] first, so that
 * 1 + e^x stays finite and its reciprocal estimate is never taken of infinity. */
static inline vf32 exp_f32(vf32 x) {
#if VBYTES == 64
    /* AVX-512: clamp with min/max, round with roundscale, and scale by 2^n with scalef. */
    x = (vf32)_mm512_min_ps(_mm512_max_ps((__m512)x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
    const vf32 n = (vf32)_mm512_roundscale_ps((__m512)(x * 1.44269504088896341f), _MM_FROUND_TO_NEAREST_INT);
    vf32 r = x - n * 0.693145751953125f; /* ln2, high part (exact product) */
    r = r - n * 1.428606820309417e-06f;  /* ln2, low part */
    const vf32 p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
    return (vf32)_mm512_scalef_ps((__m512)p, (__m512)n);
#else
    const vf32 lo = (vf32){0} - 87.0f, hi = (vf32){0} + 88.0f;
    vi32 below = x < lo, above = x > hi;
    x = (vf32)(((vi32)x & ~below) | ((vi32)lo & below));
    x = (vf32)(((vi32)x & ~above) | ((vi32)hi & above));
    const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to the nearest integer */
    const vf32 t = x * 1.44269504088896341f + shift;
    const vf32 n = t - shift;
    vf32 r = x - n * 0.693145751953125f; /* ln2, high part (exact product) */
    r = r - n * 1.428606820309417e-06f;  /* ln2, low part */
    const vf32 p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
    const vi32 scale = ((vi32)t << 23) + 0x3f800000; /* the low bits of t hold n */
    return p * (vf32)scale;
#endif
}

/* float64 is for tests and checks: the C library's exp and tanh, lane by lane. */
static inline vf64 exp_f64(vf64 x) {
    for (int l = 0; l < (int)(VBYTES / 8); l++) x[l] = exp(x[l]);
    return x;
}

static inline vf64 tanh_f64(vf64 x) {
    for (int l = 0; l < (int)(VBYTES / 8); l++) x[l] = tanh(x[l]);
    return x;
}

/* Work buffers are kept per thread and reused from call to call: a fresh large allocation costs a
 * page fault per 4 KiB on first touch, which took a tenth of a small layer's time. Each buffer of
 * a pass has its slot; a thread holds at most the largest size each slot was asked for. */
enum {
    SLOT_STATE, SLOT_REC, SLOT_C_IN, SLOT_C_REC, SLOT_C_N, SLOT_RZ, SLOT_RH, /* forward and backward */
    SLOT_D_GI, SLOT_D_GH, SLOT_D_GN, SLOT_C2, SLOT_DZ, SLOT_D_HR, SLOT_CX,   /* backward */
    SLOT_W_IH, SLOT_W_HH, SLOT_W_N, SLOT_B_IH, SLOT_B_HH, SLOT_G_IH, SLOT_G_HH, /* gradient shares */
    SLOT_PACKS, /* the calling thread's packed weights: PACK_SLOTS per direction */
    PACK_SLOTS = 5,
    ARENA_SLOTS = SLOT_PACKS + 2 * PACK_SLOTS
};

static __thread struct {
    void *p;
    size_t bytes;
} arena[ARENA_SLOTS];

static void *scratch(int slot, size_t bytes) {
    if (arena[slot].bytes < bytes || !arena[slot].p) {
        free(arena[slot].p);
        arena[slot].p = aligned_buffer(bytes);
        arena[slot].bytes = arena[slot].p ? bytes : 0;
    }
    return arena[slot].p;
}

int gru_kernel_vector_bytes(void) { return VBYTES; }

int gru_kernel_has_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

/* The argument structs' layouts, for the loader to check its ctypes mirrors against before the first
 * call (grukit/nn/_kernel.py, check_layout). Each struct's fields are listed once (an X-macro), in
 * declaration order; *_layout writes sizeof, then every field's offset and size, and returns how many
 * numbers the layout has (writing at most `capacity`); *_fields names the fields, separated by spaces. */
#define LAYOUT_OFFSET(type, field) (int64_t)offsetof(type, field), (int64_t)sizeof(((type *)0)->field),
#define LAYOUT_NAME(field) #field " "
static int64_t write_layout(int64_t *out, int64_t capacity, const int64_t *values, int64_t n) {
    for (int64_t i = 0; i < n && i < capacity; i++) out[i] = values[i];
    return n;
}

#define GRU_ARGS_FIELDS(X) X(T) X(B) X(I) X(H) X(D) X(reset_after) X(threads) X(x_stride_t) X(x_stride_b) \
    X(d_out_stride_t) X(d_out_stride_b) X(zoneout_p) X(x) X(h0) X(weight_ih) X(weight_hh) X(bias_ih) \
    X(bias_hh) X(ln_gain_ih) X(ln_gain_hh) X(rec_mask) X(lengths) X(zoneout_keep) X(out) X(h_n) X(gates) \
    X(gh_n) X(xhat_ih) X(rstd_ih) X(xhat_hh) X(rstd_hh) X(d_out) X(d_h_n) X(d_x) X(d_h0) X(d_weight_ih) \
    X(d_weight_hh) X(d_bias_ih) X(d_bias_hh) X(d_ln_gain_ih) X(d_ln_gain_hh) X(x_lanes) X(out_lanes)
#define GRU_ARGS_OFFSET(field) LAYOUT_OFFSET(gru_args, field)

int64_t gru_args_layout(int64_t *out, int64_t capacity) {
    const int64_t values[] = {(int64_t)sizeof(gru_args), GRU_ARGS_FIELDS(GRU_ARGS_OFFSET)};
    return write_layout(out, capacity, values, (int64_t)(sizeof(values) / sizeof(values[0])));
}

const char *gru_args_fields(void) { return GRU_ARGS_FIELDS(LAYOUT_NAME); }

#define REAL float
#define VL (VBYTES / 4)
#define FN(name) name##_f32
#define VEXP exp_f32
#define INT_OF_REAL int32_t
#if VBYTES == 64
#define VRCP _mm512_rcp14_ps /* 14 bits; one Newton step gives about 28 */
#endif
#define MASK_T __mmask16
#define MASKZ_LOADU _mm512_maskz_loadu_ps
#define MASK_STOREU _mm512_mask_storeu_ps
#include "gru_vec.h"
#include "gru_gemm.h"
#include "gru_rows.h"
#include "gru_forward.h"
#include "gru_backward.h"
#include "gru_lanes.h"
#include "gru_entry.h"
#undef REAL
#undef VL
#undef FN
#undef VEXP
#undef VRCP
#undef INT_OF_REAL
#undef MASK_T
#undef MASKZ_LOADU
#undef MASK_STOREU

/* float64 serves tests and checks, not speed: compiled lighter to keep the first-use build short. */
#pragma GCC optimize("O1")
#define REAL double
#define VL (VBYTES / 8)
#define FN(name) name##_f64
#define VEXP exp_f64
#define INT_OF_REAL int64_t
#define VTANH tanh_f64
#define MASK_T __mmask8
#define MASKZ_LOADU _mm512_maskz_loadu_pd
#define MASK_STOREU _mm512_mask_storeu_pd
#include "gru_vec.h"
#include "gru_gemm.h"
#include "gru_rows.h"
#include "gru_forward.h"
#include "gru_backward.h"
#include "gru_lanes.h"
#include "gru_entry.h"
#include "mingru_kernel.h" /* grukit.nn.MinGRU: float64 and float32, after both GRU instances */
