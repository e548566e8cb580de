/* One minGRU layer, forward and backward, for one REAL type; the equations and shapes are in
 * mingru_kernel.h, which includes this file once per type.
 */

typedef INT_OF_REAL FN(mg_ivec) __attribute__((vector_size(VBYTES)));

/* min(x, 0), exactly: x where x < 0, else 0. (max(x, 0) is then x - min(x, 0), exact too.) */
static inline FN(vec) FN(mg_min0)(FN(vec) x) { return (FN(vec))((FN(mg_ivec))x & (FN(mg_ivec))(x < 0)); }

/* 1 where x >= 0, else 0. */
static inline FN(vec) FN(mg_step)(FN(vec) x) {
    return (FN(vec))((FN(mg_ivec))FN(splat)(1) & (FN(mg_ivec))(x >= 0));
}

/* gru_gemm.h's FN(pack) into this file's scratch slot `slot`. Returns 0, or -1 when out of memory. */
static int FN(mg_pack)(FN(panels) *p, int slot, const REAL *src, int64_t K, int64_t N, int64_t sk, int64_t sn) {
    REAL *buffer = mg_scratch(slot, sizeof(REAL) * (size_t)FN(pack_values)(K, N));
    if (!buffer) return -1;
    FN(pack_into)(p, buffer, src, K, N, sk, sn);
    return 0;
}

static inline int64_t FN(mg_block_steps)(const mingru_args *a, int64_t rows) {
    const int64_t steps = a->block_steps > 0 ? a->block_steps : MG_BLOCK_ROWS / (rows > 0 ? rows : 1);
    return steps < 1 ? 1 : (steps > a->T ? a->T : steps);
}

/* The x rows of steps t0 <= t < t1 and batch rows b0 <= b < b1, as a matrix with row stride *ld:
 * x itself when its rows follow each other at one stride, else their copy in `copy`. */
static const REAL *FN(mg_x_rows)(const mingru_args *a, REAL *copy, int64_t t0, int64_t t1, int64_t b0, int64_t b1,
                                 int64_t *ld) {
    const REAL *x = a->x;
    const int64_t nb = b1 - b0, I = a->I;
    if (nb == 1 || a->x_stride_t == nb * a->x_stride_b) {
        *ld = nb == 1 ? a->x_stride_t : a->x_stride_b;
        return x + t0 * a->x_stride_t + b0 * a->x_stride_b;
    }
    for (int64_t t = t0; t < t1; t++)
        for (int64_t b = b0; b < b1; b++)
            memcpy(copy + ((t - t0) * nb + b - b0) * I, x + t * a->x_stride_t + b * a->x_stride_b, sizeof(REAL) * I);
    *ld = I;
    return copy;
}

/* One step of one batch row: gates g = [k, p] without the bias -> h, and [a, p] into saved. */
static inline void FN(mg_forward_row)(const REAL *g, const REAL *bias, const REAL *prev, REAL *h, REAL *saved,
                                      int64_t H) {
    for (int64_t j = 0; j < H; j += VL) {
        const int64_t n = H - j;
        FN(vec) k = FN(load)(g + j, n), p = FN(load)(g + H + j, n);
        if (bias) {
            k += FN(load)(bias + j, n);
            p += FN(load)(bias + H + j, n);
        }
        const FN(vec) a = FN(vsigmoid)(-k);
        const FN(vec) neg = FN(mg_min0)(p);
        const FN(vec) gp = FN(vsigmoid)(neg) + (p - neg); /* g(p) */
        const FN(vec) b = gp - a * gp;
        FN(store)(h + j, b + a * FN(load)(prev + j, n), n);
        if (saved) {
            FN(store)(saved + j, a, n);
            FN(store)(saved + H + j, p, n);
        }
    }
}

static int FN(mg_forward_item)(const mingru_args *a, const FN(panels) *w, int64_t b0, int64_t b1) {
    const int64_t T = a->T, B = a->B, H = a->H, I = a->I, G = 2 * H, nb = b1 - b0, ldg = FN(padded)(G);
    const int64_t steps = FN(mg_block_steps)(a, nb);
    REAL *gates = mg_scratch(MG_SLOT_GATES, sizeof(REAL) * (size_t)(steps * nb * ldg));
    REAL *copy = mg_scratch(MG_SLOT_X, sizeof(REAL) * (size_t)(steps * nb * I));
    if (!gates || !copy) return 1;
    const REAL *h0 = a->h0, *bias = a->bias;
    REAL *out = a->out, *saved = a->saved;
    for (int64_t t0 = 0; t0 < T; t0 += steps) {
        const int64_t t1 = t0 + steps < T ? t0 + steps : T;
        int64_t ld;
        const REAL *xb = FN(mg_x_rows)(a, copy, t0, t1, b0, b1, &ld);
        FN(gemm)((t1 - t0) * nb, w, xb, ld, 1, gates, ldg, 0); /* (rows, G) = x W^T */
        for (int64_t t = t0; t < t1; t++)
            for (int64_t b = b0; b < b1; b++) {
                const REAL *prev = t > 0 ? out + ((t - 1) * B + b) * H : h0 + b * H;
                FN(mg_forward_row)(gates + ((t - t0) * nb + b - b0) * ldg, bias, prev, out + (t * B + b) * H,
                                   saved ? saved + (t * B + b) * G : NULL, H);
            }
    }
    return 0;
}

/* One step of one batch row, backwards: lambda = d_out + carry; dg = [dk, dp]; carry = a lambda.
 * db (G) gathers dg. */
static inline void FN(mg_backward_row)(const REAL *d_out, REAL *carry, const REAL *saved, const REAL *prev,
                                       REAL *dg, REAL *db, int64_t H) {
    for (int64_t j = 0; j < H; j += VL) {
        const int64_t n = H - j;
        FN(vec) lam = FN(load)(carry + j, n);
        if (d_out) lam += FN(load)(d_out + j, n);
        const FN(vec) a = FN(load)(saved + j, n), p = FN(load)(saved + H + j, n);
        const FN(vec) neg = FN(mg_min0)(p), s = FN(vsigmoid)(neg);
        const FN(vec) tmp = ((p - neg) + s - FN(load)(prev + j, n)) * lam * a; /* lambda a (g(p) - h_{t-1}) */
        const FN(vec) dk = tmp - tmp * a;
        const FN(vec) dp = (lam - lam * a) * (s - s * s + FN(mg_step)(p) * (REAL)0.75);
        FN(store)(carry + j, a * lam, n);
        FN(store)(dg + j, dk, n);
        FN(store)(dg + H + j, dp, n);
        if (db) {
            FN(store)(db + j, FN(load)(db + j, n) + dk, n);
            FN(store)(db + H + j, FN(load)(db + H + j, n) + dp, n);
        }
    }
}

/* One item's share of the parameter gradients, dW^T (I, ldg) and db (G), and one time block's
 * part of it. Each block's part is summed apart and then added to the share: in float32 a single
 * running sum over all T * B rows lost digits (dW 5e-6 relative at T * B = 16384, against 4e-7
 * for torch's matrix product). */
typedef struct {
    REAL *w, *b, *block_w, *block_b;
} FN(mg_share);

static inline void FN(mg_add)(REAL *total, const REAL *part, int64_t n) {
    for (int64_t i = 0; i < n; i++) total[i] += part[i];
}

static int FN(mg_backward_item)(const mingru_args *a, const FN(panels) *w, int64_t b0, int64_t b1,
                                FN(mg_share) *share) {
    const int64_t T = a->T, B = a->B, H = a->H, I = a->I, G = 2 * H, nb = b1 - b0, ldg = FN(padded)(G);
    const int64_t steps = FN(mg_block_steps)(a, nb), ldx = FN(padded)(I);
    REAL *dg = mg_scratch(MG_SLOT_GATES, sizeof(REAL) * (size_t)(steps * nb * ldg));
    REAL *copy = mg_scratch(MG_SLOT_X, sizeof(REAL) * (size_t)(steps * nb * I));
    REAL *dxs = a->d_x ? mg_scratch(MG_SLOT_DX, sizeof(REAL) * (size_t)(steps * nb * ldx)) : NULL;
    REAL *carry = mg_scratch(MG_SLOT_CARRY, sizeof(REAL) * (size_t)(nb * H));
    share->w = a->d_weight ? mg_scratch(MG_SLOT_DW, sizeof(REAL) * (size_t)(I * ldg)) : NULL;
    share->block_w = a->d_weight ? mg_scratch(MG_SLOT_DW_BLOCK, sizeof(REAL) * (size_t)(I * ldg)) : NULL;
    share->b = a->d_bias ? mg_scratch(MG_SLOT_DB, sizeof(REAL) * (size_t)ldg) : NULL;
    share->block_b = a->d_bias ? mg_scratch(MG_SLOT_DB_BLOCK, sizeof(REAL) * (size_t)ldg) : NULL;
    if (!dg || !copy || (a->d_x && !dxs) || !carry || (a->d_weight && !(share->w && share->block_w)) ||
        (a->d_bias && !(share->b && share->block_b)))
        return 1;
    if (share->w) memset(share->w, 0, sizeof(REAL) * (size_t)(I * ldg));
    if (share->b) memset(share->b, 0, sizeof(REAL) * (size_t)ldg);
    if (a->d_h_n)
        memcpy(carry, (const REAL *)a->d_h_n + b0 * H, sizeof(REAL) * (size_t)(nb * H));
    else
        memset(carry, 0, sizeof(REAL) * (size_t)(nb * H));
    const REAL *h0 = a->h0, *out = a->out, *saved = a->saved, *d_out = a->d_out;
    REAL *d_x = a->d_x;
    for (int64_t t1 = T; t1 > 0;) {
        const int64_t t0 = t1 - steps > 0 ? t1 - steps : 0, m = (t1 - t0) * nb;
        if (share->b) memset(share->block_b, 0, sizeof(REAL) * (size_t)ldg);
        for (int64_t t = t1 - 1; t >= t0; t--)
            for (int64_t b = b0; b < b1; b++) {
                const REAL *prev = t > 0 ? out + ((t - 1) * B + b) * H : h0 + b * H;
                const REAL *dout = d_out ? d_out + t * a->d_out_stride_t + b * a->d_out_stride_b : NULL;
                FN(mg_backward_row)(dout, carry + (b - b0) * H, saved + (t * B + b) * G, prev,
                                    dg + ((t - t0) * nb + b - b0) * ldg, share->block_b, H);
            }
        if (share->b) FN(mg_add)(share->b, share->block_b, G);
        if (share->w) {
            int64_t ld;
            const REAL *xb = FN(mg_x_rows)(a, copy, t0, t1, b0, b1, &ld);
            const FN(panels) rows = FN(rows)(dg, m, G);
            FN(gemm)(I, &rows, xb, 1, ld, share->block_w, ldg, 0); /* the block's x^T dg (I, G) */
            FN(mg_add)(share->w, share->block_w, I * ldg);
        }
        if (d_x) {
            FN(gemm)(m, w, dg, ldg, 1, dxs, ldx, 0); /* dx (rows, I) = dg W */
            for (int64_t t = t0; t < t1; t++)
                for (int64_t b = b0; b < b1; b++)
                    memcpy(d_x + (t * B + b) * I, dxs + ((t - t0) * nb + b - b0) * ldx, sizeof(REAL) * (size_t)I);
        }
        t1 = t0;
    }
    if (a->d_h0) memcpy((REAL *)a->d_h0 + b0 * H, carry, sizeof(REAL) * (size_t)(nb * H));
    return 0;
}

/* dW (G, I) += share's dW^T; db (G) += share's db. */
static void FN(mg_add_share)(const mingru_args *a, const FN(mg_share) *share) {
    const int64_t G = 2 * a->H, I = a->I, ldg = FN(padded)(G);
    REAL *dw = a->d_weight, *db = a->d_bias;
    if (dw)
        for (int64_t g = 0; g < G; g++)
            for (int64_t i = 0; i < I; i++) dw[g * I + i] += share->w[i * ldg + g];
    if (db)
        for (int64_t g = 0; g < G; g++) db[g] += share->b[g];
}

/* Blocks of batch rows: one per thread at least, up to four per thread of at least
 * MG_MIN_ITEM_ROWS rows, handed out as threads come free (as the fused GRU does). */
static int64_t FN(mg_items)(const mingru_args *a, int64_t threads) {
    if (threads <= 1 || a->B <= 1) return 1;
    int64_t items = 4 * threads;
    if (items > a->B / MG_MIN_ITEM_ROWS) items = a->B / MG_MIN_ITEM_ROWS;
    if (items < threads) items = threads;
    return items < a->B ? items : a->B;
}

static int FN(mg_run)(const mingru_args *a, int backward) {
    const int64_t G = 2 * a->H, I = a->I;
    FN(panels) w;
    int err = 0;
    if (!backward) /* forward: panels of W^T (I, G); backward: of W (G, I), for dx */
        err = FN(mg_pack)(&w, MG_SLOT_PACK, a->weight, I, G, 1, I);
    else if (a->d_x)
        err = FN(mg_pack)(&w, MG_SLOT_PACK, a->weight, G, I, I, 1);
    if (err) return 1;
    if (a->d_weight) memset(a->d_weight, 0, sizeof(REAL) * (size_t)(G * I));
    if (a->d_bias) memset(a->d_bias, 0, sizeof(REAL) * (size_t)G);
    const int64_t asked = a->threads < 1 ? 1 : a->threads, items = FN(mg_items)(a, asked);
    const int64_t threads = asked < items ? asked : items;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1) reduction(| : err)
    for (int64_t it = 0; it < items; it++) {
        const int64_t b0 = it * a->B / items, b1 = (it + 1) * a->B / items;
        if (!backward) {
            err |= FN(mg_forward_item)(a, &w, b0, b1);
            continue;
        }
        FN(mg_share) share;
        const int item_err = FN(mg_backward_item)(a, &w, b0, b1, &share);
        err |= item_err;
        if (!item_err) {
#pragma omp critical(mingru_add_share)
            FN(mg_add_share)(a, &share);
        }
    }
    return err;
}

int FN(mingru_forward)(const mingru_args *a) { return FN(mg_run)(a, 0); }
int FN(mingru_backward)(const mingru_args *a) { return FN(mg_run)(a, 1); }
