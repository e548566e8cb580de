/* The minGRU layer for grukit.nn.MinGRU (see grukit/nn/_mingru_kernel.py).
 *
 * Per layer, with gates that see the input only (Feng et al. 2024):
 *
 *   [k_t; p_t] = W x_t + b,   a_t = sigmoid(-k_t),   g(p) = sigmoid(min(p, 0)) + max(p, 0)
 *   h_t        = a_t h_{t-1} + (g(p_t) - a_t g(p_t))
 *
 * One call runs one layer over all T steps, forward or backward. As in the fused GRU, work items
 * are blocks of batch rows, and a thread runs an item's rows through all T steps. Within an item,
 * time is cut into blocks of about MG_BLOCK_ROWS (step, row) pairs, so that a block's gates stay
 * in cache between the matrix product that makes them and the loop that uses them:
 *
 *   forward   gates = x W^T for the block (gru_gemm.h), then for each step in order the gate math
 *             and the recurrence, vectorised across H; training saves a and p
 *   backward  the block's steps in reverse: lambda_t = dL/dh_t + a_{t+1} lambda_{t+1} and the
 *             gate gradients dk, dp; then dW^T += x^T [dk, dp] and dx = [dk, dp] W for the block
 *
 * with, from lambda and dL/da_t = lambda_t (h_{t-1} - g(p_t)):
 *
 *   dk = lambda a (1 - a) (g(p) - h_{t-1}),   dp = lambda (1 - a) g'(p),   dh0 = a_0 lambda_0
 *   g'(p) = s (1 - s) + 3/4 [p >= 0],  s = sigmoid(min(p, 0))
 *
 * the formulas of grukit.nn.scan.mingru_coefficient_grads, in the same order of operations.
 *
 * Shapes (B batch, T time, I input, H hidden, G = 2H, gate order z, h~):
 *   x (T, B, I) with strides x_stride_t, x_stride_b and unit stride in I
 *   h0, d_h0, d_h_n (B, H); out (T, B, H); saved (T, B, G) holding [a, p]
 *   d_out (T, B, H) with strides d_out_stride_t, d_out_stride_b (either may be 0) and unit stride in H
 *   weight, d_weight (G, I); bias, d_bias (G); d_x (T, B, I) contiguous
 * NULL pointers: bias (none), saved (inference), d_out or d_h_n (no gradient reached them; zero),
 * d_x, d_weight, d_bias (not wanted).
 *
 * fused_gru.c includes this file once, at its end, after both of its instantiations: the code
 * here calls their float and double functions (FN(gemm), FN(vsigmoid), ...), and
 * mingru_layer.h is instantiated below for double, then for float.
 */

typedef struct {
    int64_t T, B, I, H;
    int64_t threads;
    int64_t block_steps;                    /* steps per time block; 0: about MG_BLOCK_ROWS rows per block */
    int64_t x_stride_t, x_stride_b;         /* x[t, b, i] = x[t * x_stride_t + b * x_stride_b + i] */
    int64_t d_out_stride_t, d_out_stride_b; /* the same for d_out */
    const void *x, *h0, *weight, *bias;
    void *out, *saved;
    const void *d_out, *d_h_n;
    void *d_x, *d_h0, *d_weight, *d_bias;
} mingru_args;

/* (step, row) pairs per time block: a block's gates (G values each), its x rows and the packed
 * weights then fit in a core's L2 cache at H = 128. (At T = 2048, B = 16, I = H = 128, blocks of
 * 32 to 2048 pairs were all within the noise of a shared machine: 30-40 ms per training step.) */
#define MG_BLOCK_ROWS 256
/* Batch rows of one work item at least, when the batch is split between threads. Small items
 * cost little (a time block gathers rows over steps for its matrix products), and with up to four
 * items per thread a thread that runs takes over the work of one that waits for a core. */
#define MG_MIN_ITEM_ROWS 2

/* Thread scratch of this file, kept from call to call like fused_gru.c's (its own slots). */
enum {
    MG_SLOT_PACK, MG_SLOT_X, MG_SLOT_GATES, MG_SLOT_DX, MG_SLOT_CARRY,
    MG_SLOT_DW, MG_SLOT_DB, MG_SLOT_DW_BLOCK, MG_SLOT_DB_BLOCK, MG_SLOTS
};

static __thread struct {
    void *p;
    size_t bytes;
} mg_arena[MG_SLOTS];

static void *mg_scratch(int slot, size_t bytes) {
    if (mg_arena[slot].bytes < bytes || !mg_arena[slot].p) {
        free(mg_arena[slot].p);
        mg_arena[slot].p = aligned_buffer(bytes);
        mg_arena[slot].bytes = mg_arena[slot].p ? bytes : 0;
    }
    return mg_arena[slot].p;
}

#undef REAL
#undef VL
#undef FN
#undef INT_OF_REAL

/* float64 first: it serves tests and checks, and keeps whatever lighter optimisation fused_gru.c
 * set for its own float64 code. */
#define REAL double
#define VL (VBYTES / 8)
#define FN(name) name##_f64
#define INT_OF_REAL int64_t
#include "mingru_layer.h"
#undef REAL
#undef VL
#undef FN
#undef INT_OF_REAL

/* float32 at the command line's optimisation again (GCC; other compilers ignore the pragma). */
#pragma GCC reset_options
#define REAL float
#define VL (VBYTES / 4)
#define FN(name) name##_f32
#define INT_OF_REAL int32_t
#include "mingru_layer.h"
#undef REAL
#undef VL
#undef FN
#undef INT_OF_REAL
#undef MG_BLOCK_ROWS
#undef MG_MIN_ITEM_ROWS

/* mingru_args' layout and field names, like gru_args_layout in fused_gru.c. */
#define MINGRU_ARGS_FIELDS(X) X(T) X(B) X(I) X(H) X(threads) X(block_steps) X(x_stride_t) X(x_stride_b) \
    X(d_out_stride_t) X(d_out_stride_b) X(x) X(h0) X(weight) X(bias) X(out) X(saved) X(d_out) X(d_h_n) X(d_x) \
    X(d_h0) X(d_weight) X(d_bias)
#define MINGRU_ARGS_OFFSET(field) LAYOUT_OFFSET(mingru_args, field)

int64_t mingru_args_layout(int64_t *out, int64_t capacity) {
    const int64_t values[] = {(int64_t)sizeof(mingru_args), MINGRU_ARGS_FIELDS(MINGRU_ARGS_OFFSET)};
    return write_layout(out, capacity, values, (int64_t)(sizeof(values) / sizeof(values[0])));
}

const char *mingru_args_fields(void) { return MINGRU_ARGS_FIELDS(LAYOUT_NAME); }
