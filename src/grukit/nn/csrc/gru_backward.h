/* The backward time loop of one work item, and the weight-gradient sums it returns; at the end,
 * the weight-gradient sums over batch lanes of the lanes layout (gru_lanes.h).
 * Included once per REAL type by fused_gru.c, after gru_forward.h.
 */

/* One item's share of the parameter gradients; the weight parts are transposed (W^T). */
typedef struct {
    REAL *w_ih;        /* (I, ldg): dW_ih^T */
    REAL *w_hh, *w_n;  /* (H, ldh) dW_hh^T or its r, z columns; (H, ldn) its n columns (reset before) */
    REAL *b_ih, *b_hh; /* (G) */
    REAL *g_ih, *g_hh; /* (G) layer-norm gains */
} FN(grads);

/* The state before step t of row b: h0 at the direction's first valid step, else the previous output. */
static inline const REAL *FN(state_before)(const gru_args *a, int64_t d, int64_t t, int64_t b) {
    const int64_t last = (a->lengths ? a->lengths[b] : a->T) - 1;
    if (d ? t == last : t == 0) return (const REAL *)a->h0 + (d * a->B + b) * a->H;
    return (const REAL *)a->out + ((d ? t + 1 : t - 1) * a->B + b) * a->D * a->H + d * a->H;
}

/* Without lengths every row starts at the same step: the states before step t of rows b0, b0+1,
 * ... lie at a fixed stride (H in h0, D*H in the output), to be read in place. */
static inline const REAL *FN(states_in_place)(const gru_args *a, int64_t d, int64_t t, int64_t b0, int64_t *stride) {
    const int first = d ? t == a->T - 1 : t == 0;
    *stride = first ? a->H : a->D * a->H;
    return FN(state_before)(a, d, t, b0);
}

/* With layer norm: sums into the bias and gain gradients, then the gradient through layer norm
 * in place. Without it the bias sums are taken later, for all rows at once (col_sums). */
static inline void FN(finish_grads)(REAL *g, int64_t blocks, int64_t H, const REAL *xhat, const REAL *rstd,
                                    const REAL *gain, REAL *db, REAL *dgain) {
    if (!gain) return;
    FN(grad_sums)(g, xhat, db, dgain, blocks * H);
    for (int64_t k = 0; k < blocks; k++) FN(ln_back)(g + k * H, xhat + k * H, rstd[k], gain + k * H, g + k * H, H);
}

/* sums[j] += rows[0, j] + ... + rows[m-1, j] for j < ld, ld a whole number of vectors. */
static void FN(col_sums)(const REAL *rows, int64_t m, int64_t ld, REAL *sums) {
    for (int64_t j = 0; j < ld; j += VL) {
        FN(vec) s = {0};
        for (int64_t i = 0; i < m; i++) s += *(const FN(vec) *)(rows + i * ld + j);
        *(FN(vec_u) *)(sums + j) += s;
    }
}

/* dst = src * mask (mask NULL: 1) over n values. */
static inline void FN(copy_scaled)(REAL *dst, const REAL *src, const REAL *mask, int64_t n) {
    for (int64_t j = 0; j < n; j += VL) {
        const FN(vec) v = FN(load)(src + j, n - j);
        FN(store)(dst + j, mask ? v * FN(load)(mask + j, n - j) : v, n - j);
    }
}

#define PREFETCH_ROWS 4

static inline void FN(prefetch)(const REAL *p, int64_t n) {
    for (int64_t k = 0; k < n; k += 64 / (int64_t)sizeof(REAL)) __builtin_prefetch(p + k);
}

#define LN_AT(p, offset) ((p) ? (p) + (offset) : NULL)

static int FN(backward_item)(const gru_args *a, const FN(weights) *w, int64_t d, int64_t b0, int64_t b1,
                             FN(grads) *acc) {
    const int64_t T = a->T, B = a->B, I = a->I, H = a->H, G = 3 * H, m = b1 - b0;
    const int after = a->reset_after != 0;
    const REAL *x = a->x, *mask = a->rec_mask ? (const REAL *)a->rec_mask + (d * B + b0) * H : NULL;
    const REAL *gain_i = a->ln_gain_ih ? (const REAL *)a->ln_gain_ih + d * G : NULL;
    const REAL *gain_h = a->ln_gain_hh ? (const REAL *)a->ln_gain_hh + d * G : NULL;
    const REAL zo_p = (REAL)a->zoneout_p;
    const REAL *d_out = a->d_out, *gates = a->gates, *gh_n = a->gh_n;
    const REAL *xhat_i = a->xhat_ih, *rstd_i = a->rstd_ih, *xhat_h = a->xhat_hh, *rstd_h = a->rstd_hh;
    const int64_t ldg = FN(padded)(G), ldh = after ? ldg : FN(padded)(2 * H), ldn = FN(padded)(H);
    const int64_t ldx = FN(padded)(I), nsum = ldg + ldn;
    const int in_place = !mask && !a->lengths; /* read h_rec rows where the forward pass left them */
    /* dh rows have a padded stride, so that the product dgh W_hh adds straight into them */
    REAL *dh = FN(zeros)(SLOT_STATE, m * ldn), *hr = in_place ? NULL : FN(zeros)(SLOT_REC, m * H);
    REAL *rh = after ? NULL : FN(zeros)(SLOT_RH, m * H), *dgn = after ? NULL : FN(zeros)(SLOT_D_GN, m * ldn);
    REAL *dgi = FN(zeros)(SLOT_D_GI, m * ldg), *dgh = FN(zeros)(SLOT_D_GH, m * ldh);
    REAL *c1 = FN(buffer)(SLOT_C_REC, m * ldn), *c2 = after ? NULL : FN(buffer)(SLOT_C2, m * ldn);
    REAL *dz = after ? NULL : FN(zeros)(SLOT_DZ, m * H), *d_hr = after ? NULL : FN(zeros)(SLOT_D_HR, m * H);
    REAL *cx = a->d_x ? FN(buffer)(SLOT_CX, m * ldx) : NULL;
    acc->w_ih = a->d_weight_ih ? FN(zeros)(SLOT_W_IH, I * ldg) : NULL;
    acc->w_hh = FN(zeros)(SLOT_W_HH, H * ldh);
    acc->w_n = after ? NULL : FN(zeros)(SLOT_W_N, H * ldn);
    acc->b_ih = FN(zeros)(SLOT_B_IH, nsum);
    acc->b_hh = FN(zeros)(SLOT_B_HH, nsum);
    acc->g_ih = FN(zeros)(SLOT_G_IH, nsum);
    acc->g_hh = FN(zeros)(SLOT_G_HH, nsum);
    int err = !dh || (!in_place && !hr) || !dgi || !dgh || !c1 || (a->d_x && !cx) ||
              (a->d_weight_ih && !acc->w_ih) || !acc->w_hh || !acc->b_ih || !acc->b_hh || !acc->g_ih || !acc->g_hh ||
              (!after && (!rh || !dgn || !c2 || !dz || !d_hr || !acc->w_n));
    for (int64_t i = 0; i < m && !err; i++) memcpy(dh + i * ldn, (const REAL *)a->d_h_n + (d * B + b0 + i) * H, ROW_BYTES(H));
    for (int64_t s = 0; s < T && !err; s++) {
        const int64_t t = d ? s : T - 1 - s; /* the forward order, reversed */
        const REAL *xt = x + t * a->x_stride_t + b0 * a->x_stride_b;
        int64_t lds = H; /* h_rec rows: in place, or copied into hr */
        const REAL *h_rec = in_place ? FN(states_in_place)(a, d, t, b0, &lds) : hr;
        for (int64_t i = 0; i < m; i++) { /* gate gradients; dh becomes the part that bypasses W_hh */
            const int64_t b = b0 + i, sv = (d * T + t) * B + b;
            REAL *gi_i = dgi + i * ldg, *gh_i = dgh + i * ldh, *dh_i = dh + i * ldn;
            if (i + PREFETCH_ROWS < m) { /* the saved values stream from memory */
                FN(prefetch)(gates + (sv + PREFETCH_ROWS) * G, G);
                if (after) FN(prefetch)(gh_n + (sv + PREFETCH_ROWS) * H, H);
                FN(prefetch)(d_out + t * a->d_out_stride_t + (b + PREFETCH_ROWS) * a->d_out_stride_b + d * H, H);
            }
            if (!FN(is_valid)(a, t, b)) { /* the state passed through; the output was a constant 0 */
                if (!in_place) memset(hr + i * H, 0, ROW_BYTES(H));
                if (!after) memset(rh + i * H, 0, ROW_BYTES(H));
                memset(gi_i, 0, ROW_BYTES(G));
                memset(gh_i, 0, ROW_BYTES(after ? G : 2 * H));
                if (!after) memset(dgn + i * ldn, 0, ROW_BYTES(H));
                continue;
            }
            const REAL *hp = in_place ? h_rec + i * lds : FN(state_before)(a, d, t, b);
            if (!in_place) FN(copy_scaled)(hr + i * H, hp, mask ? mask + i * H : NULL, H);
            const REAL *zo = a->zoneout_keep ? (const REAL *)a->zoneout_keep + sv * H : NULL;
            const REAL *dout = d_out + t * a->d_out_stride_t + b * a->d_out_stride_b + d * H, *sg = gates + sv * G;
            if (after) {
                if (zo) FN(back_after)(dh_i, dout, zo, 0, sg, gh_n + sv * H, hp, H, gi_i, gh_i);
                else FN(back_after)(dh_i, dout, NULL, zo_p, sg, gh_n + sv * H, hp, H, gi_i, gh_i);
                FN(finish_grads)(gi_i, 3, H, LN_AT(xhat_i, sv * G), LN_AT(rstd_i, sv * 3), gain_i, acc->b_ih, acc->g_ih);
                FN(finish_grads)(gh_i, 3, H, LN_AT(xhat_h, sv * G), LN_AT(rstd_h, sv * 3), gain_h, acc->b_hh, acc->g_hh);
            } else {
                REAL *gn_i = dgn + i * ldn;
                if (zo) FN(back_before_n)(dh_i, dout, zo, 0, sg, hp, H, dz + i * H, gi_i + 2 * H, gn_i);
                else FN(back_before_n)(dh_i, dout, NULL, zo_p, sg, hp, H, dz + i * H, gi_i + 2 * H, gn_i);
                FN(finish_grads)(gn_i, 1, H, LN_AT(xhat_h, sv * G + 2 * H), LN_AT(rstd_h, sv * 3 + 2),
                                 gain_h ? gain_h + 2 * H : NULL, acc->b_hh + 2 * H, acc->g_hh + 2 * H);
            }
        }
        if (after) {
            if (mask) {
                FN(gemm)(m, &w->hh, dgh, ldh, 1, c1, ldn, 0); /* dL/dh_rec */
                for (int64_t i = 0; i < m; i++) FN(add_masked)(dh + i * ldn, c1 + i * ldn, mask + i * H, H);
            } else {
                FN(gemm)(m, &w->hh, dgh, ldh, 1, dh, ldn, 1); /* dh += dL/dh_rec */
            }
            const FN(panels) rows_h = FN(rows)(dgh, m, G);
            FN(gemm)(H, &rows_h, h_rec, 1, lds, acc->w_hh, ldh, 1);
            if (!gain_h) FN(col_sums)(dgh, m, ldg, acc->b_hh);
        } else {
            FN(gemm)(m, &w->n, dgn, ldn, 1, c1, ldn, 0); /* dL/d(r * h_rec) */
            for (int64_t i = 0; i < m; i++) {
                const int64_t b = b0 + i, sv = (d * T + t) * B + b;
                REAL *gi_i = dgi + i * ldg, *gh_i = dgh + i * ldh;
                if (!FN(is_valid)(a, t, b)) {
                    memset(d_hr + i * H, 0, ROW_BYTES(H));
                    continue;
                }
                const REAL *sg = gates + sv * G, *hr_i = h_rec + i * lds;
                FN(back_before_rz)(c1 + i * ldn, sg, hr_i, dz + i * H, H, d_hr + i * H, gi_i, gh_i);
                FN(copy_scaled)(rh + i * H, hr_i, sg, H); /* r * h_rec, what W_hn saw */
                FN(finish_grads)(gi_i, 3, H, LN_AT(xhat_i, sv * G), LN_AT(rstd_i, sv * 3), gain_i, acc->b_ih, acc->g_ih);
                FN(finish_grads)(gh_i, 2, H, LN_AT(xhat_h, sv * G), LN_AT(rstd_h, sv * 3), gain_h, acc->b_hh, acc->g_hh);
            }
            FN(gemm)(m, &w->rz, dgh, ldh, 1, c2, ldn, 0);
            for (int64_t i = 0; i < m; i++) {
                FN(add_masked)(c2 + i * ldn, d_hr + i * H, NULL, H);
                FN(add_masked)(dh + i * ldn, c2 + i * ldn, mask ? mask + i * H : NULL, H);
            }
            const FN(panels) rows_rz = FN(rows)(dgh, m, 2 * H), rows_n = FN(rows)(dgn, m, H);
            FN(gemm)(H, &rows_rz, h_rec, 1, lds, acc->w_hh, ldh, 1);
            FN(gemm)(H, &rows_n, rh, 1, H, acc->w_n, ldn, 1);
            if (!gain_h) {
                FN(col_sums)(dgh, m, ldh, acc->b_hh);
                FN(col_sums)(dgn, m, ldn, acc->b_hh + 2 * H);
            }
        }
        if (!gain_i) FN(col_sums)(dgi, m, ldg, acc->b_ih);
        if (acc->w_ih) {
            const FN(panels) rows_i = FN(rows)(dgi, m, G);
            FN(gemm)(I, &rows_i, xt, 1, a->x_stride_b, acc->w_ih, ldg, 1);
        }
        if (cx) {
            FN(gemm)(m, &w->ih, dgi, ldg, 1, cx, ldx, 0);
            REAL *dx = (REAL *)a->d_x + ((d * T + t) * B + b0) * I;
            for (int64_t i = 0; i < m; i++) FN(copy_scaled)(dx + i * I, cx + i * ldx, NULL, I);
        }
    }
    for (int64_t i = 0; i < m && !err; i++) memcpy((REAL *)a->d_h0 + (d * B + b0 + i) * H, dh + i * ldn, ROW_BYTES(H));
    return err;
}

/* ------------------------------------------------------------------ sums over batch lanes
 * Weight gradients of the "lanes" layout (gru_lanes.h), and prefetching spread between them.
 * There dg (the gate gradients, G rows) and v (x or the previous states, K rows) are rows of
 * batch lanes, so dW (G, K) = dg v^T is a sum over the lanes: each tile of DOT_G x DOT_K sums
 * keeps them as vectors in registers while it streams its rows once; the lanes of each sum are
 * added up at the end of the work item. The bias gradient is the same sum with a row of ones.
 * Nothing is padded beyond K (panels of rows padded K + 1 = 21 columns to 32).
 */

static inline REAL FN(hsum)(FN(vec) v) {
    REAL s = 0;
    for (int l = 0; l < VL; l++) s += v[l];
    return s;
}

#define DOT_G 4 /* a tile of FN(lane_products): DOT_G rows of dg by DOT_K rows of v, 20 sums */
#define DOT_K 5
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
/* GCC otherwise folds the loads of v into every product (DOT_G loads of each, not one). */
#define KEEP_IN_REGISTER(v) __asm__("" : "+v"(v))
#else
#define KEEP_IN_REGISTER(v) (void)0
#endif

/* acc[i * K + k] += dg[i, :n] * v[k, :n] lane by lane for i < gt, k < kt (constants after inlining). */
static inline __attribute__((always_inline)) void FN(dots_tile)(FN(vec) *acc, int64_t K, const REAL *dg, int64_t ldg,
                                                                const REAL *v, int64_t ldv, int64_t n, const int gt,
                                                                const int kt) {
    FN(vec) s[DOT_G * DOT_K];
    for (int i = 0; i < gt; i++)
        for (int k = 0; k < kt; k++) s[i * kt + k] = acc[i * K + k];
    for (int64_t l = 0; l < n; l += VL) {
        FN(vec) w[DOT_K];
        for (int k = 0; k < kt; k++) {
            w[k] = *(const FN(vec_u) *)(v + k * ldv + l);
            KEEP_IN_REGISTER(w[k]); /* one load for gt products */
        }
        for (int i = 0; i < gt; i++) {
            const FN(vec) g = *(const FN(vec_u) *)(dg + i * ldg + l);
            for (int k = 0; k < kt; k++) s[i * kt + k] += g * w[k];
        }
    }
    for (int i = 0; i < gt; i++)
        for (int k = 0; k < kt; k++) acc[i * K + k] = s[i * kt + k];
}

/* FN(dots_tile) of DOT_G x DOT_K with the rows of v packed: pv[l / VL * DOT_K + k]. */
static inline void FN(dots_tile_packed)(FN(vec) *acc, int64_t K, const REAL *dg, int64_t ldg, const FN(vec) *pv,
                                        int64_t n) {
    FN(vec) s[DOT_G * DOT_K];
    for (int i = 0; i < DOT_G; i++)
        for (int k = 0; k < DOT_K; k++) s[i * DOT_K + k] = acc[i * K + k];
    for (int64_t l = 0; l < n; l += VL, pv += DOT_K) {
        FN(vec) w[DOT_K];
        for (int k = 0; k < DOT_K; k++) {
            w[k] = pv[k];
            KEEP_IN_REGISTER(w[k]);
        }
        for (int i = 0; i < DOT_G; i++) {
            const FN(vec) g = *(const FN(vec_u) *)(dg + i * ldg + l);
            for (int k = 0; k < DOT_K; k++) s[i * DOT_K + k] += g * w[k];
        }
    }
    for (int i = 0; i < DOT_G; i++)
        for (int k = 0; k < DOT_K; k++) acc[i * K + k] = s[i * DOT_K + k];
}

/* Memory to read soon, prefetched a few cache lines at a time between products that run from
 * cache, so that its transfer overlaps them: the next step's saved factors (and lanes read in
 * place), read from memory, took a quarter of the backward pass when fetched only as the
 * gradients needed them. Up to STREAM_PARTS parts of `rows` rows of `bytes` at a stride `ld`. */
#define STREAM_PARTS 3
typedef struct {
    const char *base[STREAM_PARTS];
    int64_t rows[STREAM_PARTS], bytes[STREAM_PARTS], ld[STREAM_PARTS];
    int64_t part, row, at; /* the next line: part, row and offset in the row */
    int64_t lines;         /* per call of FN(prefetch_some) */
} FN(stream);

static inline void FN(stream_add)(FN(stream) *st, const void *base, int64_t rows, int64_t bytes, int64_t ld) {
    for (int64_t k = 0; k < STREAM_PARTS; k++)
        if (!st->base[k]) {
            st->base[k] = (const char *)base, st->rows[k] = rows, st->bytes[k] = bytes, st->ld[k] = ld;
            return;
        }
}

static inline int64_t FN(stream_lines)(const FN(stream) *st) {
    int64_t lines = 0;
    for (int64_t k = 0; k < STREAM_PARTS; k++) lines += st->base[k] ? st->rows[k] * ((st->bytes[k] + 63) / 64) : 0;
    return lines;
}

static inline void FN(prefetch_some)(FN(stream) *st) {
    for (int64_t i = 0; i < st->lines && st->part < STREAM_PARTS && st->base[st->part]; i++) {
        __builtin_prefetch(st->base[st->part] + st->row * st->ld[st->part] + st->at);
        if ((st->at += 64) < st->bytes[st->part]) continue;
        st->at = 0;
        if (++st->row < st->rows[st->part]) continue;
        st->row = 0;
        st->part++;
    }
}

static inline int64_t FN(product_tiles)(int64_t G, int64_t K) {
    return (G + DOT_G - 1) / DOT_G * ((K + DOT_K - 1) / DOT_K);
}

/* dW (G, K) += dg v^T and db (G) += dg 1 over n lanes (whole vectors), dg (G, ldg) and v (K, ldv)
 * being rows of lanes: acc holds G * K + G vectors (dW, then db) whose lanes are summed at the end
 * (FN(add_lane_sums)). Without the rows of the row layout, nothing is padded beyond K columns.
 * Between tiles, prefetches a part of `ahead`. */
static void FN(lane_products)(FN(vec) *acc, const REAL *dg, int64_t ldg, const REAL *v, int64_t ldv, int64_t n,
                              int64_t G, int64_t K, FN(stream) *ahead) {
    FN(vec) *pv = (FN(vec) *)FN(buffer)(SLOT_W_N, n * DOT_K);
    for (int64_t k0 = 0; k0 < K; k0 += DOT_K) {
        const int full_k = pv && K - k0 >= DOT_K;
        for (int64_t l = 0; full_k && l < n; l += VL) /* the tile's rows of v, a vector of each in turn */
            for (int k = 0; k < DOT_K; k++) pv[l / VL * DOT_K + k] = *(const FN(vec_u) *)(v + (k0 + k) * ldv + l);
        for (int64_t g0 = 0; g0 < G; g0 += DOT_G) {
            const int64_t gt = G - g0 < DOT_G ? G - g0 : DOT_G;
            FN(prefetch_some)(ahead);
            if (gt == DOT_G && full_k) {
                FN(dots_tile_packed)(acc + g0 * K + k0, K, dg + g0 * ldg, ldg, pv, n);
                continue;
            }
            for (int64_t k = k0; k < K && k < k0 + DOT_K; k++) { /* the edges, a column at a time */
                if (gt == DOT_G) FN(dots_tile)(acc + g0 * K + k, K, dg + g0 * ldg, ldg, v + k * ldv, ldv, n, DOT_G, 1);
                else
                    for (int64_t i = g0; i < g0 + gt; i++)
                        FN(dots_tile)(acc + i * K + k, K, dg + i * ldg, ldg, v + k * ldv, ldv, n, 1, 1);
            }
        }
    }
    for (int64_t i = 0; i < G; i++) { /* db: the products with a row of ones */
        FN(vec) sum = acc[G * K + i];
        for (int64_t l = 0; l < n; l += VL) sum += *(const FN(vec_u) *)(dg + i * ldg + l);
        acc[G * K + i] = sum;
    }
}

/* dw (G, K) += the lane sums of acc[:G*K], db (G) += those of acc[G*K:]; either may be NULL. */
static void FN(add_lane_sums)(REAL *dw, REAL *db, const FN(vec) *acc, int64_t G, int64_t K) {
    for (int64_t g = 0; g < G; g++) {
        for (int64_t k = 0; dw && k < K; k++) dw[g * K + k] += FN(hsum)(acc[g * K + k]);
        if (db) db[g] += FN(hsum)(acc[G * K + g]);
    }
}

#undef LN_AT
#undef PREFETCH_ROWS
#undef DOT_G
#undef DOT_K
#undef STREAM_PARTS
#undef KEEP_IN_REGISTER
