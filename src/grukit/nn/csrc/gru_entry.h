/* Entry points gru_forward_* and gru_backward_*: pack the weights, run the work items in
 * parallel, and (backward) add up the items' parameter gradients.
 * Included once per REAL type by fused_gru.c, after gru_backward.h.
 */

/* Forward products c = v W^T use panels of W^T (element (k, n) = W[n, k]); backward products
 * dv = dc W use panels of W (element (k, n) = W[k, n]). */
static int FN(pack_weights)(FN(weights) *w, const gru_args *a, int64_t d, int backward) {
    const int64_t I = a->I, H = a->H, G = 3 * H;
    const REAL *Wi = (const REAL *)a->weight_ih + d * G * I, *Wh = (const REAL *)a->weight_hh + d * G * H;
    const REAL *bi = a->bias_ih ? (const REAL *)a->bias_ih + d * G : NULL;
    const REAL *bh = a->bias_hh ? (const REAL *)a->bias_hh + d * G : NULL;
    const int slot = SLOT_PACKS + (int)d * PACK_SLOTS; /* ih, hh, rz, n, bias */
    int err = !(w->bias = FN(zeros)(slot + 4, 4 * H));
    for (int64_t j = 0; !err && j < 4 * H; j++) /* [b_ir + b_hr, b_iz + b_hz, b_in, b_hn] */
        w->bias[j] = (j < 3 * H && bi ? bi[j] : 0) + (bh && j < 2 * H ? bh[j] : 0) + (bh && j >= 3 * H ? bh[j - H] : 0);
    if (!backward) err |= FN(pack)(&w->ih, slot, Wi, I, G, 1, I);
    else if (a->d_x) err |= FN(pack)(&w->ih, slot, Wi, G, I, I, 1);
    if (a->reset_after) {
        err |= backward ? FN(pack)(&w->hh, slot + 1, Wh, G, H, H, 1) : FN(pack)(&w->hh, slot + 1, Wh, H, G, 1, H);
    } else if (backward) {
        err |= FN(pack)(&w->rz, slot + 2, Wh, 2 * H, H, H, 1) | FN(pack)(&w->n, slot + 3, Wh + 2 * H * H, H, H, H, 1);
    } else {
        err |= FN(pack)(&w->rz, slot + 2, Wh, H, 2 * H, 1, H) | FN(pack)(&w->n, slot + 3, Wh + 2 * H * H, H, H, 1, H);
    }
    return err;
}

/* Blocks of batch rows per direction. One thread: one block. Several: up to four blocks per
 * thread of at least MIN_BLOCK_ROWS rows, handed out as threads come free, so that on a busy
 * machine a thread that runs takes over the work of one that waits for a core. */
#define MIN_BLOCK_ROWS 32
static int64_t FN(row_blocks)(const gru_args *a, int64_t threads) {
    const int64_t per_direction = (threads + a->D - 1) / a->D;
    if (threads <= 1 || a->B <= 1) return 1;
    int64_t blocks = 4 * per_direction;
    if (blocks > a->B / MIN_BLOCK_ROWS) blocks = a->B / MIN_BLOCK_ROWS;
    if (blocks < per_direction) blocks = per_direction;
    return blocks < a->B ? blocks : a->B;
}

/* dw (rows x cols) += part^T, part being (cols, ld): VL x VL tiles transposed in registers. */
static void FN(add_transposed)(REAL *dw, const REAL *part, int64_t rows, int64_t cols, int64_t ld) {
    int64_t k0 = 0;
#ifdef HAVE_SHUFFLE
    for (; k0 + VL <= cols; k0 += VL) {
        int64_t g0 = 0;
        for (; g0 + VL <= rows; g0 += VL) {
            FN(vec) v[VL];
            for (int i = 0; i < VL; i++) v[i] = *(const FN(vec_u) *)(part + (k0 + i) * ld + g0);
            FN(transpose_tile)(v);
            for (int i = 0; i < VL; i++) *(FN(vec_u) *)(dw + (g0 + i) * cols + k0) += v[i];
        }
        for (int64_t g = g0; g < rows; g++)
            for (int64_t k = k0; k < k0 + VL; k++) dw[g * cols + k] += part[k * ld + g];
    }
#endif
    for (int64_t g = 0; g < rows; g++)
        for (int64_t k = k0; k < cols; k++) dw[g * cols + k] += part[k * ld + g];
}

/* Add one item's share of the parameter gradients of direction d to the outputs. */
static void FN(add_grads)(const gru_args *a, const FN(grads) *p, int64_t d) {
    const int64_t I = a->I, H = a->H, G = 3 * H, ldg = FN(padded)(G);
    const int64_t ldh = a->reset_after ? ldg : FN(padded)(2 * H), ldn = FN(padded)(H);
    REAL *d_wi = a->d_weight_ih, *d_wh = a->d_weight_hh;
    if (d_wi) FN(add_transposed)(d_wi + d * G * I, p->w_ih, G, I, ldg);
    if (d_wh && a->reset_after) FN(add_transposed)(d_wh + d * G * H, p->w_hh, G, H, ldh);
    if (d_wh && !a->reset_after) {
        FN(add_transposed)(d_wh + d * G * H, p->w_hh, 2 * H, H, ldh);
        FN(add_transposed)(d_wh + d * G * H + 2 * H * H, p->w_n, H, H, ldn);
    }
    REAL *const outs[4] = {a->d_bias_ih, a->d_bias_hh, a->d_ln_gain_ih, a->d_ln_gain_hh};
    const REAL *const sums[4] = {p->b_ih, p->b_hh, p->g_ih, p->g_hh};
    for (int64_t k = 0; k < 4; k++)
        if (outs[k])
            for (int64_t g = 0; g < G; g++) outs[k][d * G + g] += sums[k][g];
}

static void FN(zero_grads)(const gru_args *a) {
    const int64_t G = 3 * a->H;
    void *const outs[6] = {a->d_weight_ih, a->d_weight_hh, a->d_bias_ih, a->d_bias_hh, a->d_ln_gain_ih, a->d_ln_gain_hh};
    const int64_t sizes[6] = {G * a->I, G * a->H, G, G, G, G};
    for (int64_t k = 0; k < 6; k++)
        if (outs[k]) memset(outs[k], 0, ROW_BYTES(a->D * sizes[k]));
}

static int FN(run)(const gru_args *a, int backward) {
    if (a->D < 1 || a->D > 2) return 2;
    FN(weights) w[2];
    memset(w, 0, sizeof(w));
    const int64_t asked = a->threads < 1 ? 1 : a->threads;
    const int64_t blocks = FN(row_blocks)(a, asked), items = a->D * blocks;
    const int64_t threads = asked < items ? asked : items;
    const int lanes = FN(use_lanes)(a);
    int err = 0;
    for (int64_t d = 0; d < a->D && !err && !lanes; d++) err |= FN(pack_weights)(&w[d], a, d, backward);
    if (backward) FN(zero_grads)(a);
    if (!err) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1) reduction(| : err)
        for (int64_t it = 0; it < items; it++) {
            const int64_t d = it / blocks, blk = it % blocks;
            const int64_t b0 = blk * a->B / blocks, b1 = (blk + 1) * a->B / blocks;
            if (lanes) {
                const int64_t l0 = FN(lanes_row)(a, blk, blocks), l1 = FN(lanes_row)(a, blk + 1, blocks);
                if (l1 > l0) err |= backward ? FN(backward_lanes)(a, d, l0, l1) : FN(forward_lanes)(a, d, l0, l1);
                continue;
            }
            if (!backward) {
                err |= FN(forward_item)(a, &w[d], d, b0, b1);
                continue;
            }
            FN(grads) share; /* in this thread's scratch: added before its next item */
            const int item_err = FN(backward_item)(a, &w[d], d, b0, b1, &share);
            err |= item_err;
            if (!item_err) {
#pragma omp critical(gru_add_grads)
                FN(add_grads)(a, &share, d);
            }
        }
    }
    return err;
}

int FN(gru_forward)(const gru_args *a) { return FN(run)(a, 0); }
int FN(gru_backward)(const gru_args *a) { return FN(run)(a, 1); }

#undef ROW_BYTES
#undef MIN_BLOCK_ROWS
