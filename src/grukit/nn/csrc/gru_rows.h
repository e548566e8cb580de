/* The gate math of one step for one batch row: the equations of grukit.nn.functional, forward
 * and backward side by side, VL units at a time (the last block of a row masked).
 * Included once per REAL type by fused_gru.c, after gru_vec.h.
 *
 * Forward (gate order r, z, n; ci, ch = the input and recurrent pre-activations, after layer
 * norm when it is on; bias = [b_ir + b_hr, b_iz + b_hz, b_in, b_hn], 4H values):
 *   r = sigmoid(ci_r + ch_r + b_r)   z = sigmoid(ci_z + ch_z + b_z)
 *   after:  n = tanh(ci_n + b_in + r * (ch_n + b_hn))           ch = LN(W_hh h_rec) * gain
 *   before: n = tanh(ci_n + b_in + ch_n + b_hn)                 ch_n = LN(W_hn (r * h_rec)) * gain_n
 *   h' = n + z (h - n), then zoneout h' = w h + (1 - w) h' with w the 0/1 keep mask of a training
 *   step (zo) or the probability p in eval mode (zo_p; 0 without zoneout).
 * The step functions are always inlined and called with constant flags (save: keep what the
 * backward pass needs; zo given or NULL), so that every variant compiles to straight vector code.
 */
#define ROW_INLINE static inline __attribute__((always_inline))
#define LD(p) FN(load)((p), H - j)
#define ST(p, v) FN(store)((p), (v), H - j)

/* c = LN(c) * gain for `blocks` gate blocks of H units, in place, keeping xhat and 1/std per
 * block for the backward pass when asked. */
static inline void FN(layer_norm)(REAL *c, int64_t blocks, int64_t H, const REAL *gain, REAL *xhat, REAL *rstd) {
    for (int64_t k = 0; k < blocks; k++) {
        REAL *x = c + k * H, mean = 0, var = 0;
#pragma omp simd reduction(+ : mean)
        for (int64_t j = 0; j < H; j++) mean += x[j];
        mean /= (REAL)H;
#pragma omp simd reduction(+ : var)
        for (int64_t j = 0; j < H; j++) var += (x[j] - mean) * (x[j] - mean);
        const REAL rs = (REAL)(1.0 / sqrt((double)(var / (REAL)H) + 1e-5));
        if (rstd) rstd[k] = rs;
        const REAL *gk = gain + k * H;
        REAL *xh = xhat ? xhat + k * H : NULL;
#pragma omp simd
        for (int64_t j = 0; j < H; j++) {
            const REAL v = (x[j] - mean) * rs;
            if (xh) xh[j] = v;
            x[j] = v * gk[j];
        }
    }
}

/* Gradient through c = LN(raw) * gain: g is dL/dc of one block, out gets dL/draw (out may be g). */
static inline void FN(ln_back)(const REAL *g, const REAL *xhat, REAL rstd, const REAL *gain, REAL *out, int64_t H) {
    REAL m1 = 0, m2 = 0;
#pragma omp simd reduction(+ : m1, m2)
    for (int64_t j = 0; j < H; j++) {
        m1 += g[j] * gain[j];
        m2 += g[j] * gain[j] * xhat[j];
    }
    m1 /= (REAL)H;
    m2 /= (REAL)H;
#pragma omp simd
    for (int64_t j = 0; j < H; j++) out[j] = rstd * (g[j] * gain[j] - m1 - xhat[j] * m2);
}

/* db += g and, with layer norm, dgain += g * xhat, over n values. */
static inline void FN(grad_sums)(const REAL *g, const REAL *xhat, REAL *db, REAL *dgain, int64_t n) {
#pragma omp simd
    for (int64_t j = 0; j < n; j++) db[j] += g[j];
    if (xhat) {
#pragma omp simd
        for (int64_t j = 0; j < n; j++) dgain[j] += g[j] * xhat[j];
    }
}

/* dst += src * mask (mask NULL: 1) over H values. */
static inline void FN(add_masked)(REAL *dst, const REAL *src, const REAL *mask, int64_t H) {
    for (int64_t j = 0; j < H; j += VL) ST(dst + j, LD(dst + j) + (mask ? LD(src + j) * LD(mask + j) : LD(src + j)));
}

/* ------------------------------------------------------------------ reset after */

/* h <- h', out <- h'; with save, keeps r, z, n and ch_n + b_hn for the backward pass. */
ROW_INLINE void FN(step_after)(const REAL *ci, const REAL *ch, const REAL *bias, REAL *h, REAL *out, const REAL *zo,
                               REAL zo_p, int64_t H, const int save, REAL *gates, REAL *gh_n) {
    for (int64_t j = 0; j < H; j += VL) {
        const FN(vec) r = FN(vsigmoid)(LD(ci + j) + LD(ch + j) + LD(bias + j));
        const FN(vec) z = FN(vsigmoid)(LD(ci + H + j) + LD(ch + H + j) + LD(bias + H + j));
        const FN(vec) hn_ = LD(ch + 2 * H + j) + LD(bias + 3 * H + j);
        const FN(vec) n = FN(vtanh)(LD(ci + 2 * H + j) + LD(bias + 2 * H + j) + r * hn_);
        const FN(vec) hp = LD(h + j), w = zo ? LD(zo + j) : FN(splat)(zo_p);
        FN(vec) hn = n + z * (hp - n);
        hn = w * hp + (1 - w) * hn; /* exactly h or h' when w is 0 or 1 */
        ST(h + j, hn);
        ST(out + j, hn);
        if (save) {
            ST(gates + j, r);
            ST(gates + H + j, z);
            ST(gates + 2 * H + j, n);
            ST(gh_n + j, hn_);
        }
    }
}

/* dh (dL/dh' from later steps) becomes the part of dL/dh that bypasses W_hh; writes the gate
 * gradients dL/dci and dL/dch. */
ROW_INLINE void FN(back_after)(REAL *dh, const REAL *d_out, const REAL *zo, REAL zo_p, const REAL *gates,
                               const REAL *gh_n, const REAL *h_prev, int64_t H, REAL *d_gi, REAL *d_gh) {
    for (int64_t j = 0; j < H; j += VL) {
        const FN(vec) g = LD(dh + j) + LD(d_out + j);
        const FN(vec) d_new = g * (1 - (zo ? LD(zo + j) : FN(splat)(zo_p)));
        const FN(vec) r = LD(gates + j), z = LD(gates + H + j), n = LD(gates + 2 * H + j), hp = LD(h_prev + j);
        const FN(vec) dn = d_new * (1 - z) * (1 - n * n);
        const FN(vec) dr = dn * LD(gh_n + j) * r * (1 - r);
        const FN(vec) dz = d_new * (hp - n) * z * (1 - z);
        ST(dh + j, (g - d_new) + d_new * z);
        ST(d_gi + j, dr);
        ST(d_gi + H + j, dz);
        ST(d_gi + 2 * H + j, dn);
        ST(d_gh + j, dr);
        ST(d_gh + H + j, dz);
        ST(d_gh + 2 * H + j, dn * r);
    }
}

/* ------------------------------------------------------------------ reset before */

/* First half of a step: r and z, and the reset state r * h_rec that enters W_hn. */
ROW_INLINE void FN(gates_before)(const REAL *ci, const REAL *ch, const REAL *bias, const REAL *h_rec, int64_t H,
                                 REAL *rz, REAL *rh) {
    for (int64_t j = 0; j < H; j += VL) {
        const FN(vec) r = FN(vsigmoid)(LD(ci + j) + LD(ch + j) + LD(bias + j));
        ST(rz + j, r);
        ST(rz + H + j, FN(vsigmoid)(LD(ci + H + j) + LD(ch + H + j) + LD(bias + H + j)));
        ST(rh + j, r * LD(h_rec + j));
    }
}

/* Second half: n from ch_n, then h' as in step_after. */
ROW_INLINE void FN(step_before)(const REAL *ci, const REAL *rz, const REAL *ch_n, const REAL *bias, REAL *h,
                                REAL *out, const REAL *zo, REAL zo_p, int64_t H, const int save, REAL *gates) {
    for (int64_t j = 0; j < H; j += VL) {
        const FN(vec) z = LD(rz + H + j);
        const FN(vec) n = FN(vtanh)(LD(ci + 2 * H + j) + LD(bias + 2 * H + j) + LD(ch_n + j) + LD(bias + 3 * H + j));
        const FN(vec) hp = LD(h + j), w = zo ? LD(zo + j) : FN(splat)(zo_p);
        FN(vec) hn = n + z * (hp - n);
        hn = w * hp + (1 - w) * hn; /* exactly h or h' when w is 0 or 1 */
        ST(h + j, hn);
        ST(out + j, hn);
        if (save) {
            ST(gates + j, LD(rz + j));
            ST(gates + H + j, z);
            ST(gates + 2 * H + j, n);
        }
    }
}

/* Backward, first half: the n gate's gradients (d_gi_n, d_gh_n: H values each); dh becomes its
 * bypass part, dz is kept for the second half. */
ROW_INLINE void FN(back_before_n)(REAL *dh, const REAL *d_out, const REAL *zo, REAL zo_p, const REAL *gates,
                                  const REAL *h_prev, int64_t H, REAL *dz, REAL *d_gi_n, REAL *d_gh_n) {
    for (int64_t j = 0; j < H; j += VL) {
        const FN(vec) g = LD(dh + j) + LD(d_out + j);
        const FN(vec) d_new = g * (1 - (zo ? LD(zo + j) : FN(splat)(zo_p)));
        const FN(vec) z = LD(gates + H + j), n = LD(gates + 2 * H + j);
        const FN(vec) dn = d_new * (1 - z) * (1 - n * n);
        ST(dz + j, d_new * (LD(h_prev + j) - n));
        ST(dh + j, (g - d_new) + d_new * z);
        ST(d_gi_n + j, dn);
        ST(d_gh_n + j, dn);
    }
}

/* Backward, second half: drh = dL/d(r * h_rec) from W_hn; gives the r and z gradients (d_gi,
 * d_gh: 2H values each) and d_hr, the part of dL/dh_rec that flows through r * h_rec. */
ROW_INLINE void FN(back_before_rz)(const REAL *drh, const REAL *gates, const REAL *h_rec, const REAL *dz, int64_t H,
                                   REAL *d_hr, REAL *d_gi, REAL *d_gh) {
    for (int64_t j = 0; j < H; j += VL) {
        const FN(vec) r = LD(gates + j), z = LD(gates + H + j), d = LD(drh + j);
        const FN(vec) dr = d * LD(h_rec + j) * r * (1 - r);
        const FN(vec) dzz = LD(dz + j) * z * (1 - z);
        ST(d_hr + j, d * r);
        ST(d_gi + j, dr);
        ST(d_gi + H + j, dzz);
        ST(d_gh + j, dr);
        ST(d_gh + H + j, dzz);
    }
}

#undef ROW_INLINE
#undef LD
#undef ST
