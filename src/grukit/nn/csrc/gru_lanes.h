/* The "lanes" layout: batch rows in the vector lanes, for small hidden sizes.
 * Included once per REAL type by fused_gru.c, after gru_backward.h.
 *
 * The row layout of gru_forward.h keeps one batch row's 3H gate values in vectors; when H is not
 * a multiple of the vector width (H = 20: 16 + 4 lanes), a quarter to a half of every gate
 * vector is padding, in the gate math and in the products whose result has H columns. Here the
 * state of an item's m rows is held transposed, hT (H, mp) with mp >= m a whole number of
 * blocks of LANE_BLOCK lanes, so the per-step products are a weight matrix times a block of
 * columns, C (G, lanes) = W (G, K) @ V (K, lanes), and the gate math runs on full vectors:
 *
 *   forward   ci = W_ih xT, ch = W_hh hT, one block of lanes at a time (in L1), then the gates;
 *             training saves, per unit, the five factors the backward pass needs:
 *             r, z, (1 - z)(1 - n^2), (W_hn h + b_hn) r (1 - r), (h - n) z (1 - z)
 *   backward  g = dh + d_out; dn = g (1 - z)(1 - n^2), dr = dn (W_hn h + b_hn) r (1 - r),
 *             dz = g (h - n) z (1 - z); dhT = g z + W_hh^T dgh; dxT = W_ih^T dgi;
 *             dW_hh += dgh h_prev and dW_ih += dgi x, the batch rows of h_prev and x read in
 *             the row layout with a column of ones appended, whose products are the bias
 *             gradients.
 *
 * Inputs and outputs keep the layouts of fused_gru.c and are transposed per step, VL x VL tiles
 * in registers. What the forward pass saves uses the `gates` buffer with a layout of its own,
 * one contiguous (H, 5, LANE_BLOCK) block per step and block of batch rows (the caller sizes it
 * by gru_lanes_*), read back in order with prefetching. Only plain layers take this path (reset
 * after, no layer norm, zoneout, recurrent dropout or lengths) on AVX-512; the choice depends on
 * the arguments only, so the forward and backward passes always agree. Work items start on whole
 * blocks of lanes, so the saved layout does not depend on the number of threads.
 *
 * Measured on the AVX-512 CPU of BENCHMARKS.md, one thread, CPU time of a training step against
 * the row layout: B = 800, T = 50, H = 20, 2 layers: forward about 10 % faster, backward about
 * as fast (bound by reading the saved factors back from memory); B = 256, H = 12: 20 % faster;
 * H = 33 or 40: about 5 % slower, hence LANES_MAX_H.
 */

#if defined(HAVE_SHUFFLE) && VBYTES == 64
#define LANES 1 /* tuned and used with AVX-512 only: elsewhere the row layout runs */
#else
#define LANES 0
#endif
#define LANE_BLOCK (NRV_MAX * VL) /* lanes per block: one panel of the micro-kernels */
#define LANES_MIN_B (2 * LANE_BLOCK)
#define LANES_MAX_H 32 /* see the measurements above */
#define PREFETCH_BLOCKS 4 /* the saved factors of blocks ahead, read from memory */
#define SMALL_I 3 /* up to this input size, dW_ih is summed in the lanes (no rows of x) */

/* The lanes layout runs this layer: plain options, H below 32 and not a multiple of the vector
 * width, a batch of at least two blocks. */
static int FN(use_lanes)(const gru_args *a) {
    const int plain = a->reset_after && !a->ln_gain_ih && !a->ln_gain_hh && !a->rec_mask && !a->lengths &&
                      !a->zoneout_keep && a->zoneout_p == 0;
    return LANES && plain && a->H % VL != 0 && a->H < LANES_MAX_H && a->B >= LANES_MIN_B;
}

/* Item boundaries: whole blocks of lanes, so that an item's blocks of saved values are its own. */
static inline int64_t FN(lanes_row)(const gru_args *a, int64_t blk, int64_t blocks) {
    return blk == blocks ? a->B : blk * a->B / blocks / LANE_BLOCK * LANE_BLOCK;
}

static inline int64_t FN(lanes_padded)(int64_t m) { return (m + LANE_BLOCK - 1) / LANE_BLOCK * LANE_BLOCK; }

#if LANES
/* One VL x VL tile of FN(transpose); kind 0: whole, 1: the first cc columns (masked loads,
 * cc stores), 2: the first rows of `mask` (whole loads, masked stores). */
static inline __attribute__((always_inline)) void FN(tile)(REAL *dst, int64_t ldd, const REAL *src, int64_t lds,
                                                           const int kind, MASK_T mask, int64_t cc) {
    FN(vec) v[VL];
#pragma GCC unroll 16
    for (int i = 0; i < VL; i++)
        v[i] = kind == 1 ? (FN(vec))MASKZ_LOADU(mask, src + i * lds) : *(const FN(vec_u) *)(src + i * lds);
    FN(transpose_tile)(v);
#pragma GCC unroll 16
    for (int i = 0; i < VL; i++) {
        if (kind == 2) MASK_STOREU(dst + i * ldd, mask, v[i]);
        else if (kind == 0 || i < cc) *(FN(vec_u) *)(dst + i * ldd) = v[i];
    }
}
#endif

/* dst[c * ldd + r] = src[r * lds + c] for r < R, c < C: VL x VL tiles transposed in registers.
 * A tile on the last columns (C not a multiple of VL, e.g. H = 20) loads them masked and stores
 * only its first vectors; one on the last rows (R = H) reads VL whole rows, which src must hold
 * (the lanes buffers have VL spare rows), and stores masked. The corner goes element by element. */
static void FN(transpose)(REAL *dst, int64_t ldd, const REAL *src, int64_t lds, int64_t R, int64_t C) {
#if LANES
    const int64_t R_full = R / VL * VL, C_full = C / VL * VL, rr = R - R_full, cc = C - C_full;
    for (int64_t r0 = 0; r0 < R_full; r0 += VL) {
        for (int64_t c0 = 0; c0 < C_full; c0 += VL)
            FN(tile)(dst + c0 * ldd + r0, ldd, src + r0 * lds + c0, lds, 0, 0, VL);
        if (cc) FN(tile)(dst + C_full * ldd + r0, ldd, src + r0 * lds + C_full, lds, 1, (MASK_T)((1u << cc) - 1), cc);
    }
    if (rr)
        for (int64_t c0 = 0; c0 < C_full; c0 += VL)
            FN(tile)(dst + c0 * ldd + R_full, ldd, src + R_full * lds + c0, lds, 2, (MASK_T)((1u << rr) - 1), VL);
    for (int64_t r = R_full; r < R; r++) /* the corner */
        for (int64_t c = C_full; c < C; c++) dst[c * ldd + r] = src[r * lds + c];
#else
    for (int64_t r = 0; r < R; r++)
        for (int64_t c = 0; c < C; c++) dst[c * ldd + r] = src[r * lds + c];
#endif
}

/* A panel view of one block of LANE_BLOCK lanes of a (K, ld) buffer. */
static inline FN(panels) FN(lane_panels)(const REAL *data, int64_t K, int64_t ld) {
    FN(panels) p;
    p.data = data;
    p.owned = NULL;
    p.K = K;
    p.N = LANE_BLOCK;
    p.nrv = NRV_MAX;
    p.npanels = 1;
    p.ldp = ld;
    p.pstride = LANE_BLOCK;
    return p;
}

/* [b_ir + b_hr, b_iz + b_hz, b_in, b_hn] of direction d, zeros without biases. */
static void FN(lane_bias)(const gru_args *a, int64_t d, REAL *bias) {
    const int64_t H = a->H, G = 3 * H;
    const REAL *bi = a->bias_ih ? (const REAL *)a->bias_ih + d * G : NULL;
    const REAL *bh = a->bias_hh ? (const REAL *)a->bias_hh + d * G : NULL;
    for (int64_t j = 0; j < 4 * H; j++)
        bias[j] = (j < G && bi ? bi[j] : 0) + (bh && j < 2 * H ? bh[j] : 0) + (bh && j >= G ? bh[j - H] : 0);
}

/* The gates of one block of lanes (the equations of gru_rows.h, reset after): ci, ch (G,
 * LANE_BLOCK); h (H, ldh) is updated in place; with save, the five backward factors go to sv,
 * this block's (H, 5, LANE_BLOCK) of the saved values. */
static inline __attribute__((always_inline)) void FN(lanes_step)(const REAL *ci, const REAL *ch, const REAL *bias,
                                                                 REAL *h, int64_t ldh, int64_t H, const int save,
                                                                 REAL *sv) {
    for (int64_t j = 0; j < H; j++) {
        const FN(vec) br = FN(splat)(bias[j]), bz = FN(splat)(bias[H + j]);
        const FN(vec) bin = FN(splat)(bias[2 * H + j]), bhn = FN(splat)(bias[3 * H + j]);
        const REAL *cir = ci + j * LANE_BLOCK, *ciz = cir + H * LANE_BLOCK, *cin = ciz + H * LANE_BLOCK;
        const REAL *chr = ch + j * LANE_BLOCK, *chz = chr + H * LANE_BLOCK, *chn = chz + H * LANE_BLOCK;
        REAL *hj = h + j * ldh, *f = save ? sv + j * 5 * LANE_BLOCK : NULL;
        for (int64_t i = 0; i < LANE_BLOCK; i += VL) {
            const FN(vec) r = FN(vsigmoid)(*(const FN(vec) *)(cir + i) + *(const FN(vec) *)(chr + i) + br);
            const FN(vec) z = FN(vsigmoid)(*(const FN(vec) *)(ciz + i) + *(const FN(vec) *)(chz + i) + bz);
            const FN(vec) hn_ = *(const FN(vec) *)(chn + i) + bhn;
            const FN(vec) n = FN(vtanh)(*(const FN(vec) *)(cin + i) + bin + r * hn_);
            const FN(vec) hp = *(FN(vec) *)(hj + i);
            *(FN(vec) *)(hj + i) = n + z * (hp - n);
            if (save) {
                const int64_t at = LANE_BLOCK;
                *(FN(vec) *)(f + i) = r;
                *(FN(vec) *)(f + at + i) = z;
                *(FN(vec) *)(f + 2 * at + i) = (1 - z) * (1 - n * n);
                *(FN(vec) *)(f + 3 * at + i) = hn_ * r * (1 - r);
                *(FN(vec) *)(f + 4 * at + i) = (hp - n) * z * (1 - z);
            }
        }
    }
}

/* The saved factors of step t, direction d and the block of lanes that starts at batch row b:
 * (D, T, blocks, H, 5, LANE_BLOCK), blocks = ceil(B / LANE_BLOCK); unit by unit, so that the
 * backward pass reads them in one sequential stream. */
static inline REAL *FN(saved_block)(const gru_args *a, int64_t d, int64_t t, int64_t b) {
    const int64_t blocks = (a->B + LANE_BLOCK - 1) / LANE_BLOCK;
    return (REAL *)a->gates + ((d * a->T + t) * blocks + b / LANE_BLOCK) * 5 * a->H * LANE_BLOCK;
}

static int FN(forward_lanes)(const gru_args *a, int64_t d, int64_t b0, int64_t b1) {
    const int64_t T = a->T, B = a->B, I = a->I, H = a->H, D = a->D, G = 3 * H, m = b1 - b0, mp = FN(lanes_padded)(m);
    const REAL *x = a->x, *Wi = (const REAL *)a->weight_ih + d * G * I, *Wh = (const REAL *)a->weight_hh + d * G * H;
    REAL *out = a->out, *gates = a->gates;
    REAL *h = FN(zeros)(SLOT_STATE, (H + VL) * mp), *xt = FN(zeros)(SLOT_REC, I * mp); /* VL spare rows */
    REAL *ci = FN(buffer)(SLOT_C_IN, G * LANE_BLOCK), *ch = FN(buffer)(SLOT_C_REC, G * LANE_BLOCK);
    REAL *bias = FN(buffer)(SLOT_C_N, 4 * H);
    if (!h || !xt || !ci || !ch || !bias) return 1;
    FN(lane_bias)(a, d, bias);
    FN(transpose)(h, mp, (const REAL *)a->h0 + (d * B + b0) * H, H, m, H); /* hT (H, mp) */
    for (int64_t s = 0; s < T; s++) {
        const int64_t t = d ? T - 1 - s : s;
        FN(transpose)(xt, mp, x + t * a->x_stride_t + b0 * a->x_stride_b, a->x_stride_b, m, I); /* (I, mp) */
        for (int64_t c0 = 0; c0 < mp; c0 += LANE_BLOCK) {
            const FN(panels) px = FN(lane_panels)(xt + c0, I, mp), ph = FN(lane_panels)(h + c0, H, mp);
            FN(gemm)(G, &px, Wi, I, 1, ci, LANE_BLOCK, 0); /* (G, LANE_BLOCK) */
            FN(gemm)(G, &ph, Wh, H, 1, ch, LANE_BLOCK, 0);
            if (gates)
                FN(lanes_step)(ci, ch, bias, h + c0, mp, H, 1, FN(saved_block)(a, d, t, b0 + c0));
            else
                FN(lanes_step)(ci, ch, bias, h + c0, mp, H, 0, NULL);
        }
        FN(transpose)(out + (t * B + b0) * D * H + d * H, D * H, h, mp, H, m); /* (m, H) rows of out */
    }
    FN(transpose)((REAL *)a->h_n + (d * B + b0) * H, H, h, mp, H, m);
    return 0;
}

/* Gradients of one block of lanes: dh (dL/dh' from later steps; in place, the part that
 * bypasses W_hh) and d_out (H, ld); the saved factors sv (H, 5, LANE_BLOCK); writes dgi, dgh (G,
 * ld). Lanes beyond the batch have dh = d_out = 0, so their gradients are 0. */
static inline void FN(lanes_back)(REAL *dh, const REAL *d_out, int64_t ld, const REAL *sv, int64_t H, REAL *dgi,
                                  REAL *dgh) {
    const int64_t at = LANE_BLOCK;
    for (int64_t j = 0; j < H; j++) { /* prefetches never fault, also past the end of the buffer */
        const REAL *ahead = sv + PREFETCH_BLOCKS * 5 * H * LANE_BLOCK + j * 5 * LANE_BLOCK;
        for (int64_t l = 0; l < 5 * LANE_BLOCK; l += 64 / (int64_t)sizeof(REAL)) __builtin_prefetch(ahead + l);
        for (int64_t i = 0; i < LANE_BLOCK; i += VL) {
            const int64_t k = j * ld + i;
            const REAL *f = sv + j * 5 * LANE_BLOCK + i;
            const FN(vec) r = *(const FN(vec) *)f, z = *(const FN(vec) *)(f + at);
            const FN(vec) g = *(FN(vec) *)(dh + k) + *(const FN(vec) *)(d_out + k);
            const FN(vec) dn = g * *(const FN(vec) *)(f + 2 * at);
            const FN(vec) dr = dn * *(const FN(vec) *)(f + 3 * at);
            const FN(vec) dz = g * *(const FN(vec) *)(f + 4 * at);
            *(FN(vec) *)(dh + k) = g * z;
            *(FN(vec) *)(dgi + k) = dr;
            *(FN(vec) *)(dgi + H * ld + k) = dz;
            *(FN(vec) *)(dgi + 2 * H * ld + k) = dn;
            *(FN(vec) *)(dgh + k) = dr;
            *(FN(vec) *)(dgh + H * ld + k) = dz;
            *(FN(vec) *)(dgh + 2 * H * ld + k) = dn * r;
        }
    }
}

/* rows[i, :K] = src[i * lds, :K] for i < m: the batch rows of a state or an input, copied to a
 * buffer with row stride ld whose column K holds ones (set by the caller). */
static inline void FN(copy_rows)(REAL *rows, int64_t ld, const REAL *src, int64_t lds, int64_t m, int64_t K) {
    for (int64_t i = 0; i < m; i++) FN(copy_scaled)(rows + i * ld, src + i * lds, NULL, K);
}

/* A (m, ld) rows buffer with zeros, and ones in column K. */
static REAL *FN(rows_with_ones)(int slot, int64_t m, int64_t K, int64_t ld) {
    REAL *rows = FN(zeros)(slot, m * ld);
    for (int64_t i = 0; rows && i < m; i++) rows[i * ld + K] = 1;
    return rows;
}

static inline REAL FN(hsum)(FN(vec) v) {
    REAL s = 0;
    for (int l = 0; l < VL; l++) s += v[l];
    return s;
}

/* dW (G, K) += acc[:, :K] and db (G) += acc[:, K], acc with row stride ld. */
static void FN(add_lane_grads)(REAL *dw, REAL *db, const REAL *acc, int64_t G, int64_t K, int64_t ld) {
    for (int64_t g = 0; g < G; g++) {
        for (int64_t k = 0; dw && k < K; k++) dw[g * K + k] += acc[g * ld + k];
        if (db) db[g] += acc[g * ld + K];
    }
}

/* x of one block of lanes, transposed: xb[k, i] = x[b0 + i, k] for the first `valid` lanes,
 * zeros beyond; row I of xb (ones) is set by the caller. */
static inline void FN(x_block)(REAL *xb, const REAL *x, int64_t stride, int64_t I, int64_t valid) {
    for (int64_t k = 0; k < I; k++)
        for (int64_t i = 0; i < LANE_BLOCK; i++) xb[k * LANE_BLOCK + i] = i < valid ? x[i * stride + k] : 0;
}

/* acc[g, k] += dg[g, :] * xb[k, :] lane by lane over one block (g < G, k < K): dW_ih and db_ih
 * for a small input size, their lanes summed at the end. */
static inline void FN(lane_dots)(FN(vec) *acc, const REAL *dg, int64_t ld, const REAL *xb, int64_t G, int64_t K) {
    for (int64_t g = 0; g < G; g++)
        for (int64_t k = 0; k < K; k++) {
            FN(vec) s = acc[g * K + k];
            for (int64_t i = 0; i < LANE_BLOCK; i += VL)
                s += *(const FN(vec) *)(dg + g * ld + i) * *(const FN(vec) *)(xb + k * LANE_BLOCK + i);
            acc[g * K + k] = s;
        }
}

static int FN(backward_lanes)(const gru_args *a, int64_t d, int64_t b0, int64_t b1) {
    const int64_t T = a->T, B = a->B, I = a->I, H = a->H, G = 3 * H, m = b1 - b0, mp = FN(lanes_padded)(m);
    const int64_t ldr = FN(padded)(H + 1), ldx = FN(padded)(I + 1); /* rows of h_prev and x, and a 1 */
    const REAL *x = a->x, *Wi = (const REAL *)a->weight_ih + d * G * I, *Wh = (const REAL *)a->weight_hh + d * G * H;
    const REAL *d_out = a->d_out;
    const int want_i = a->d_weight_ih || a->d_bias_ih, want_h = a->d_weight_hh || a->d_bias_hh;
    REAL *dh = FN(zeros)(SLOT_STATE, (H + VL) * mp), *dout = FN(zeros)(SLOT_RH, H * mp); /* VL spare rows */
    REAL *dgi = FN(buffer)(SLOT_D_GI, G * mp), *dgh = FN(buffer)(SLOT_D_GH, G * mp);
    REAL *dx = a->d_x ? FN(zeros)(SLOT_CX, (I + VL) * mp) : NULL;
    REAL *hr = want_h ? FN(rows_with_ones)(SLOT_RZ, m, H, ldr) : NULL;
    const int small_i = want_i && I <= SMALL_I;
    REAL *xr = want_i ? (small_i ? FN(buffer)(SLOT_REC, (I + 1) * LANE_BLOCK) : FN(rows_with_ones)(SLOT_REC, m, I, ldx))
                      : NULL;
    REAL *acc_h = want_h ? FN(zeros)(SLOT_W_HH, G * ldr) : NULL, *acc_i = want_i ? FN(zeros)(SLOT_W_IH, G * ldx) : NULL;
    FN(vec) *acc_v = small_i ? (FN(vec) *)FN(zeros)(SLOT_W_N, G * (I + 1) * VL) : NULL;
    if (!dh || !dout || !dgi || !dgh || (a->d_x && !dx) || (want_h && (!hr || !acc_h)) || (want_i && (!xr || !acc_i)) ||
        (small_i && !acc_v))
        return 1;
    for (int64_t i = 0; small_i && i < LANE_BLOCK; i++) xr[I * LANE_BLOCK + i] = 1; /* the bias gradient's row */
    FN(transpose)(dh, mp, (const REAL *)a->d_h_n + (d * B + b0) * H, H, m, H);
    const FN(panels) p_hr = FN(rows)(hr, m, H + 1), p_xr = FN(rows)(xr, m, I + 1);
    for (int64_t s = 0; s < T; s++) {
        const int64_t t = d ? s : T - 1 - s; /* the forward order, reversed */
        const REAL *dout_t = d_out + t * a->d_out_stride_t + b0 * a->d_out_stride_b + d * H;
        FN(transpose)(dout, mp, dout_t, a->d_out_stride_b, m, H); /* (H, mp) */
        for (int64_t c0 = 0; c0 < mp; c0 += LANE_BLOCK) {
            FN(lanes_back)(dh + c0, dout + c0, mp, FN(saved_block)(a, d, t, b0 + c0), H, dgi + c0, dgh + c0);
            const FN(panels) pgh = FN(lane_panels)(dgh + c0, G, mp);
            FN(gemm)(H, &pgh, Wh, 1, H, dh + c0, mp, 1); /* dhT += W_hh^T dgh */
            if (dx) {
                const FN(panels) pgi = FN(lane_panels)(dgi + c0, G, mp);
                FN(gemm)(I, &pgi, Wi, 1, I, dx + c0, mp, 0); /* dxT = W_ih^T dgi */
            }
            if (small_i) { /* [dW_ih, db_ih] += dgi [x, 1], in the lanes */
                FN(x_block)(xr, x + t * a->x_stride_t + (b0 + c0) * a->x_stride_b, a->x_stride_b, I, m - c0);
                FN(lane_dots)(acc_v, dgi + c0, mp, xr, G, I + 1);
            }
        }
        if (dx) FN(transpose)((REAL *)a->d_x + ((d * T + t) * B + b0) * I, I, dx, mp, I, m);
        if (want_h) { /* [dW_hh, db_hh] += dgh [h_prev, 1] */
            int64_t lds;
            const REAL *prev = FN(states_in_place)(a, d, t, b0, &lds);
            FN(copy_rows)(hr, ldr, prev, lds, m, H);
            FN(gemm)(G, &p_hr, dgh, mp, 1, acc_h, ldr, 1);
        }
        if (want_i && !small_i) { /* [dW_ih, db_ih] += dgi [x, 1] */
            FN(copy_rows)(xr, ldx, x + t * a->x_stride_t + b0 * a->x_stride_b, a->x_stride_b, m, I);
            FN(gemm)(G, &p_xr, dgi, mp, 1, acc_i, ldx, 1);
        }
    }
    FN(transpose)((REAL *)a->d_h0 + (d * B + b0) * H, H, dh, mp, H, m);
    for (int64_t g = 0; small_i && g < G; g++)
        for (int64_t k = 0; k <= I; k++) acc_i[g * ldx + k] = FN(hsum)(acc_v[g * (I + 1) + k]);
#pragma omp critical(gru_add_grads)
    {
        if (want_h)
            FN(add_lane_grads)(a->d_weight_hh ? (REAL *)a->d_weight_hh + d * G * H : NULL,
                               a->d_bias_hh ? (REAL *)a->d_bias_hh + d * G : NULL, acc_h, G, H, ldr);
        if (want_i)
            FN(add_lane_grads)(a->d_weight_ih ? (REAL *)a->d_weight_ih + d * G * I : NULL,
                               a->d_bias_ih ? (REAL *)a->d_bias_ih + d * G : NULL, acc_i, G, I, ldx);
    }
    return 0;
}

/* For the caller: LANE_BLOCK when the layer runs in the lanes layout (its saved values are then
 * (D, T, ceil(B / LANE_BLOCK), H, 5, LANE_BLOCK)), else 0. */
int FN(gru_lanes)(const gru_args *a) { return FN(use_lanes)(a) ? LANE_BLOCK : 0; }

#undef LANES_MAX_H
#undef LANES_MIN_B
#undef LANE_BLOCK
#undef LANES
#undef PREFETCH_BLOCKS
#undef SMALL_I
