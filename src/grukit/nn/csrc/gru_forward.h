/* The forward time loop of one work item: direction d, batch rows b0 <= b < b1, all T steps.
 * Included once per REAL type by fused_gru.c.
 */

typedef struct {
    FN(panels) ih; /* W_ih^T (forward) or W_ih (backward) */
    FN(panels) hh; /* reset after: all of W_hh */
    FN(panels) rz; /* reset before: the r and z rows of W_hh ... */
    FN(panels) n;  /* ... and the n rows */
    REAL *bias;    /* forward: [b_ir + b_hr, b_iz + b_hz, b_in, b_hn], zeros without biases */
} FN(weights);

#define ROW_BYTES(n) (sizeof(REAL) * (size_t)(n))

static inline int FN(is_valid)(const gru_args *a, int64_t t, int64_t b) { return !a->lengths || t < a->lengths[b]; }

/* Thread scratch of n values in the given slot; zeroed or not. NULL when out of memory. */
static inline REAL *FN(buffer)(int slot, int64_t n) { return scratch(slot, ROW_BYTES(n > 0 ? n : 1)); }

static inline REAL *FN(zeros)(int slot, int64_t n) {
    REAL *p = FN(buffer)(slot, n);
    if (p) memset(p, 0, ROW_BYTES(n > 0 ? n : 1));
    return p;
}

static int FN(forward_item)(const gru_args *a, const FN(weights) *w, int64_t d, int64_t b0, int64_t b1) {
    const int64_t T = a->T, B = a->B, H = a->H, D = a->D, G = 3 * H, m = b1 - b0;
    const int after = a->reset_after != 0, train = a->gates != NULL;
    const REAL *x = a->x, *mask = a->rec_mask ? (const REAL *)a->rec_mask + (d * B + b0) * H : NULL;
    const REAL *bias = w->bias;
    const REAL *gain_i = a->ln_gain_ih ? (const REAL *)a->ln_gain_ih + d * G : NULL;
    const REAL *gain_h = a->ln_gain_hh ? (const REAL *)a->ln_gain_hh + d * G : NULL;
    const REAL zo_p = (REAL)a->zoneout_p;
    REAL *out = a->out, *gates = a->gates, *gh_n = a->gh_n;
    REAL *xhat_i = a->xhat_ih, *rstd_i = a->rstd_ih, *xhat_h = a->xhat_hh, *rstd_h = a->rstd_hh;
    const int64_t ldg = FN(padded)(G), ldh = after ? ldg : FN(padded)(2 * H), ldn = FN(padded)(H);
    REAL *h = FN(buffer)(SLOT_STATE, m * H), *hr = mask ? FN(buffer)(SLOT_REC, m * H) : h;
    REAL *ci = FN(buffer)(SLOT_C_IN, m * ldg), *ch = FN(buffer)(SLOT_C_REC, m * ldh);
    REAL *rz = after ? NULL : FN(zeros)(SLOT_RZ, m * 2 * H), *rh = after ? NULL : FN(zeros)(SLOT_RH, m * H);
    REAL *cn = after ? NULL : FN(buffer)(SLOT_C_N, m * ldn);
    int err = !h || !hr || !ci || !ch || (!after && (!rz || !rh || !cn));
    if (!err) memcpy(h, (const REAL *)a->h0 + (d * B + b0) * H, ROW_BYTES(m * H));
    for (int64_t s = 0; s < T && !err; s++) {
        const int64_t t = d ? T - 1 - s : s;
        FN(gemm)(m, &w->ih, x + t * a->x_stride_t + b0 * a->x_stride_b, a->x_stride_b, 1, ci, ldg, 0);
        if (mask)
            for (int64_t k = 0; k < m * H; k++) hr[k] = h[k] * mask[k];
        FN(gemm)(m, after ? &w->hh : &w->rz, hr, H, 1, ch, ldh, 0);
        if (!after) { /* r and z first: W_hn sees r * h_rec */
            for (int64_t i = 0; i < m; i++) {
                const int64_t b = b0 + i, sv = (d * T + t) * B + b;
                if (!FN(is_valid)(a, t, b)) continue;
                const int ln_i = train && gain_i, ln_h = train && gain_h;
                if (gain_i) FN(layer_norm)(ci + i * ldg, 3, H, gain_i, ln_i ? xhat_i + sv * G : NULL, ln_i ? rstd_i + sv * 3 : NULL);
                if (gain_h) FN(layer_norm)(ch + i * ldh, 2, H, gain_h, ln_h ? xhat_h + sv * G : NULL, ln_h ? rstd_h + sv * 3 : NULL);
                FN(gates_before)(ci + i * ldg, ch + i * ldh, bias, hr + i * H, H, rz + i * 2 * H, rh + i * H);
            }
            FN(gemm)(m, &w->n, rh, H, 1, cn, ldn, 0);
        }
        for (int64_t i = 0; i < m; i++) {
            const int64_t b = b0 + i, sv = (d * T + t) * B + b;
            REAL *o = out + (t * B + b) * D * H + d * H;
            if (!FN(is_valid)(a, t, b)) {
                memset(o, 0, ROW_BYTES(H));
                continue;
            }
            const REAL *zo = a->zoneout_keep ? (const REAL *)a->zoneout_keep + sv * H : NULL;
            REAL *g = ci + i * ldg, *hi = h + i * H, *sg = train ? gates + sv * G : NULL;
            const int ln_i = train && gain_i, ln_h = train && gain_h;
            if (after) {
                REAL *c = ch + i * ldh, *sn = train ? gh_n + sv * H : NULL;
                if (gain_i) FN(layer_norm)(g, 3, H, gain_i, ln_i ? xhat_i + sv * G : NULL, ln_i ? rstd_i + sv * 3 : NULL);
                if (gain_h) FN(layer_norm)(c, 3, H, gain_h, ln_h ? xhat_h + sv * G : NULL, ln_h ? rstd_h + sv * 3 : NULL);
                if (zo) FN(step_after)(g, c, bias, hi, o, zo, 0, H, 1, sg, sn);
                else if (train) FN(step_after)(g, c, bias, hi, o, NULL, zo_p, H, 1, sg, sn);
                else FN(step_after)(g, c, bias, hi, o, NULL, zo_p, H, 0, NULL, NULL);
            } else {
                REAL *c = cn + i * ldn, *rzi = rz + i * 2 * H;
                if (gain_h)
                    FN(layer_norm)(c, 1, H, gain_h + 2 * H, ln_h ? xhat_h + sv * G + 2 * H : NULL,
                                   ln_h ? rstd_h + sv * 3 + 2 : NULL);
                if (zo) FN(step_before)(g, rzi, c, bias, hi, o, zo, 0, H, 1, sg);
                else if (train) FN(step_before)(g, rzi, c, bias, hi, o, NULL, zo_p, H, 1, sg);
                else FN(step_before)(g, rzi, c, bias, hi, o, NULL, zo_p, H, 0, NULL);
            }
        }
    }
    if (!err) memcpy((REAL *)a->h_n + (d * B + b0) * H, h, ROW_BYTES(m * H));
    return err;
}
