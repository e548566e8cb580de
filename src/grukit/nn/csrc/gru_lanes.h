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
 *             training saves, per unit, the four factors the backward pass needs besides the
 *             states: r, z, (1 - z)(1 - n^2), (W_hn h + b_hn) r (1 - r)
 *   backward  g = dh + d_out; dn = g (1 - z)(1 - n^2), dr = dn (W_hn h + b_hn) r (1 - r),
 *             dz = g (h - n) z (1 - z) = g z (h - h'), as h - h' = (1 - z)(h - n), with the
 *             states h and h' in this layout; dhT = g z + W_hh^T dgh; dxT = W_ih^T dgi;
 *             [dW_hh, db_hh] += dgh [h, 1]^T and [dW_ih, db_ih] += dgi [x, 1]^T, sums over the
 *             lanes (gru_backward.h, "sums over batch lanes").
 *
 * Inputs and outputs are transposed per step from and to the row layout of fused_gru.c, VL x VL
 * tiles in registers, except between two lanes layers, which hand them over in this layout
 * (x_lanes, out_lanes: no transposes, and the states read in place). What the forward pass saves
 * uses the `gates` buffer with a layout of its own, one contiguous (H, LANE_FACTORS, LANE_BLOCK)
 * block per step and block of batch rows (the caller sizes it by gru_lanes_*), read back in
 * order; the next step's blocks are prefetched while the weight gradients are summed. Only plain
 * layers take this path (reset after, no layer norm, zoneout, recurrent dropout or lengths), with
 * 256-bit vectors or wider (AVX2, AVX-512) and GCC (its __builtin_shuffle transposes the tiles);
 * the choice depends on the arguments only, so the forward and backward passes always agree.
 * Work items start on whole blocks of lanes, so the saved layout does not depend on the number of
 * threads.
 *
 * Measured on the AVX-512 CPU of BENCHMARKS.md, one thread, CPU time of a training step against
 * the row layout: B = 800, T = 50, H = 20, 2 layers: forward about 10 % faster, backward about
 * as fast (bound by reading the saved factors back from memory); B = 256, H = 12: 20 % faster;
 * H = 33 or 40: about 5 % slower, hence LANES_MAX_H. Then, for B = 800, T = 50, H = 20, 2
 * layers (CPU ms per step, 6 interleaved process pairs): the hand-over between layers, the sums
 * over lanes for dW (instead of rows padded to 32 columns), four saved factors instead of five
 * (dz from the states), prefetching spread over those sums, x W_ih formed in the gate math for
 * I = 1 and the state written in place: forward 4.8 -> 4.0, backward 7.7 -> 6.8, step 14.2 -> 12.6.
 * With AVX2 (blocks of 16 lanes in float32; float64 at H = 20 has no padding and runs rows) the same
 * step went from 40 to 24 ms wall against the row layout (BENCHMARKS.md, the AVX2 build).
 */

#if defined(HAVE_SHUFFLE) && VBYTES >= 32
#define LANES 1 /* AVX-512 and AVX2; with 128-bit vectors (SSE, NEON) the row layout runs */
#else
#define LANES 0
#endif
#define LANE_BLOCK (NRV_MAX * VL) /* lanes per block: one panel of the micro-kernels */
#define LANES_MIN_B (2 * LANE_BLOCK)
#define LANES_MAX_H 32 /* see the measurements above */
#define PREFETCH_BLOCKS 4 /* the saved factors of blocks ahead, read from memory */
#define LANE_FACTORS 4 /* saved per unit: r, z, (1 - z)(1 - n^2), (W_hn h + b_hn) r (1 - r) */

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
/* One VL x VL tile of FN(transpose); kind 0: whole, 1: the first cc columns (loads of cc values,
 * cc stores), 2: the first cc rows (whole loads of those rows only, stores of cc values). Partial
 * loads and stores are masked with AVX-512 (gru_vec.h). */
static inline __attribute__((always_inline)) void FN(tile)(REAL *dst, int64_t ldd, const REAL *src, int64_t lds,
                                                           const int kind, int64_t cc) {
    FN(vec) v[VL];
#pragma GCC unroll 16
    for (int i = 0; i < VL; i++)
        v[i] = kind == 1   ? FN(load)(src + i * lds, cc)
               : kind == 2 && i >= cc ? (FN(vec)){0}
                                      : *(const FN(vec_u) *)(src + i * lds);
    FN(transpose_tile)(v);
#pragma GCC unroll 16
    for (int i = 0; i < VL; i++) {
        if (kind == 2) FN(store)(dst + i * ldd, v[i], cc);
        else if (kind == 0 || i < cc) *(FN(vec_u) *)(dst + i * ldd) = v[i];
    }
}
#endif

/* dst[c * ldd + r] = src[r * lds + c] for r < R, c < C: VL x VL tiles transposed in registers.
 * A tile on the last columns (C not a multiple of VL, e.g. H = 20) loads them masked and stores
 * only its first vectors; one on the last rows reads only those rows and stores masked. The
 * corner goes element by element. */
static void FN(transpose)(REAL *dst, int64_t ldd, const REAL *src, int64_t lds, int64_t R, int64_t C) {
#if LANES
    const int64_t R_full = R / VL * VL, C_full = C / VL * VL, rr = R - R_full, cc = C - C_full;
    for (int64_t r0 = 0; r0 < R_full; r0 += VL) {
        for (int64_t c0 = 0; c0 < C_full; c0 += VL)
            FN(tile)(dst + c0 * ldd + r0, ldd, src + r0 * lds + c0, lds, 0, VL);
        if (cc) FN(tile)(dst + C_full * ldd + r0, ldd, src + r0 * lds + C_full, lds, 1, cc);
    }
    if (rr)
        for (int64_t c0 = 0; c0 < C_full; c0 += VL)
            FN(tile)(dst + c0 * ldd + R_full, ldd, src + R_full * lds + c0, lds, 2, rr);
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
 * LANE_BLOCK); the state h (H, ldh) becomes h' (H, ldo) at ho (ho = h: in place); with save,
 * the backward factors go to sv, this block's (H, LANE_FACTORS, LANE_BLOCK) of the saved values.
 * With one input (I = 1), ci = W_ih x is formed here, from the lanes x1 and the column wi (G),
 * rather than read. */
static inline __attribute__((always_inline)) void FN(lanes_step)(const REAL *ci, const REAL *ch, const REAL *bias,
                                                                 const REAL *h, int64_t ldh, REAL *ho, int64_t ldo,
                                                                 int64_t H, const int save,
                                                                 REAL *sv, const int one_input, const REAL *x1,
                                                                 const REAL *wi) {
    for (int64_t j = 0; j < H; j++) {
        const FN(vec) br = FN(splat)(bias[j]), bz = FN(splat)(bias[H + j]);
        const FN(vec) bin = FN(splat)(bias[2 * H + j]), bhn = FN(splat)(bias[3 * H + j]);
        const REAL *cir = ci + j * LANE_BLOCK, *ciz = cir + H * LANE_BLOCK, *cin = ciz + H * LANE_BLOCK;
        const REAL *chr = ch + j * LANE_BLOCK, *chz = chr + H * LANE_BLOCK, *chn = chz + H * LANE_BLOCK;
        const REAL *hj = h + j * ldh;
        REAL *hoj = ho + j * ldo, *f = save ? sv + j * LANE_FACTORS * LANE_BLOCK : NULL;
        const REAL wr = one_input ? wi[j] : 0, wz = one_input ? wi[H + j] : 0, wn = one_input ? wi[2 * H + j] : 0;
        for (int64_t i = 0; i < LANE_BLOCK; i += VL) {
            const FN(vec) xv = one_input ? *(const FN(vec_u) *)(x1 + i) : (FN(vec)){0};
            const FN(vec) ci_r = one_input ? wr * xv : *(const FN(vec) *)(cir + i);
            const FN(vec) ci_z = one_input ? wz * xv : *(const FN(vec) *)(ciz + i);
            const FN(vec) ci_n = one_input ? wn * xv : *(const FN(vec) *)(cin + i);
            const FN(vec) r = FN(vsigmoid)(ci_r + *(const FN(vec) *)(chr + i) + br);
            const FN(vec) z = FN(vsigmoid)(ci_z + *(const FN(vec) *)(chz + i) + bz);
            const FN(vec) hn_ = *(const FN(vec) *)(chn + i) + bhn;
            const FN(vec) n = FN(vtanh)(ci_n + bin + r * hn_);
            const FN(vec) hp = *(const FN(vec_u) *)(hj + i);
            *(FN(vec_u) *)(hoj + i) = n + z * (hp - n);
            if (save) {
                const int64_t at = LANE_BLOCK;
                *(FN(vec) *)(f + i) = r;
                *(FN(vec) *)(f + at + i) = z;
                *(FN(vec) *)(f + 2 * at + i) = (1 - z) * (1 - n * n);
                *(FN(vec) *)(f + 3 * at + i) = hn_ * r * (1 - r);
            }
        }
    }
}

/* The saved factors of step t, direction d and the block of lanes that starts at batch row b:
 * (D, T, blocks, H, LANE_FACTORS, LANE_BLOCK), blocks = ceil(B / LANE_BLOCK); unit by unit, so
 * that the backward pass reads them in one sequential stream. */
static inline REAL *FN(saved_block)(const gru_args *a, int64_t d, int64_t t, int64_t b) {
    const int64_t blocks = (a->B + LANE_BLOCK - 1) / LANE_BLOCK;
    return (REAL *)a->gates + ((d * a->T + t) * blocks + b / LANE_BLOCK) * LANE_FACTORS * a->H * LANE_BLOCK;
}

/* Row k of step t of a lanes-layout tensor with `rows` rows per step (x: I, out: D*H), at the
 * lanes of the work item that starts at batch row b0; its row stride is FN(lanes_padded)(B). */
static inline REAL *FN(lanes_at)(const gru_args *a, const void *base, int64_t rows, int64_t t, int64_t k, int64_t b0) {
    return (REAL *)base + (t * rows + k) * FN(lanes_padded)(a->B) + b0;
}

static int FN(forward_lanes)(const gru_args *a, int64_t d, int64_t b0, int64_t b1) {
    const int64_t T = a->T, B = a->B, I = a->I, H = a->H, D = a->D, G = 3 * H, m = b1 - b0, mp = FN(lanes_padded)(m);
    const REAL *x = a->x, *Wi = (const REAL *)a->weight_ih + d * G * I, *Wh = (const REAL *)a->weight_hh + d * G * H;
    REAL *out = a->out, *gates = a->gates;
    REAL *h = FN(zeros)(SLOT_STATE, (H + VL) * mp); /* VL spare rows */
    REAL *xt = a->x_lanes ? NULL : FN(zeros)(SLOT_REC, I * mp);
    REAL *ci = FN(buffer)(SLOT_C_IN, G * LANE_BLOCK), *ch = FN(buffer)(SLOT_C_REC, G * LANE_BLOCK);
    REAL *bias = FN(buffer)(SLOT_C_N, 4 * H);
    if (!h || (!a->x_lanes && !xt) || !ci || !ch || !bias) return 1;
    FN(lane_bias)(a, d, bias);
    FN(transpose)(h, mp, (const REAL *)a->h0 + (d * B + b0) * H, H, m, H); /* hT (H, mp) */
    const REAL *hs = h; /* the state: in h, or handed over in place in the lanes of out */
    int64_t lds = mp, ldo = mp;
    for (int64_t s = 0; s < T; s++) {
        const int64_t t = d ? T - 1 - s : s;
        REAL *ho = h; /* h' */
        if (a->out_lanes) ho = FN(lanes_at)(a, out, D * H, t, d * H, b0), ldo = FN(lanes_padded)(B);
        const REAL *xs = xt; /* xT (I, mp): in place, or transposed from the rows of x */
        const int64_t ldx = a->x_lanes ? FN(lanes_padded)(B) : mp;
        if (a->x_lanes) xs = FN(lanes_at)(a, x, I, t, 0, b0);
        else FN(transpose)(xt, mp, x + t * a->x_stride_t + b0 * a->x_stride_b, a->x_stride_b, m, I);
        for (int64_t c0 = 0; c0 < mp; c0 += LANE_BLOCK) {
            const FN(panels) px = FN(lane_panels)(xs + c0, I, ldx), ph = FN(lane_panels)(hs + c0, H, lds);
            if (I > 1) FN(gemm)(G, &px, Wi, I, 1, ci, LANE_BLOCK, 0); /* (G, LANE_BLOCK) */
            FN(gemm)(G, &ph, Wh, H, 1, ch, LANE_BLOCK, 0);
            REAL *sv = gates ? FN(saved_block)(a, d, t, b0 + c0) : NULL;
            const REAL *hc = hs + c0;
            REAL *hoc = ho + c0;
            if (I == 1 && gates) FN(lanes_step)(ci, ch, bias, hc, lds, hoc, ldo, H, 1, sv, 1, xs + c0, Wi);
            else if (I == 1) FN(lanes_step)(ci, ch, bias, hc, lds, hoc, ldo, H, 0, NULL, 1, xs + c0, Wi);
            else if (gates) FN(lanes_step)(ci, ch, bias, hc, lds, hoc, ldo, H, 1, sv, 0, NULL, NULL);
            else FN(lanes_step)(ci, ch, bias, hc, lds, hoc, ldo, H, 0, NULL, 0, NULL, NULL);
        }
        if (!a->out_lanes) FN(transpose)(out + (t * B + b0) * D * H + d * H, D * H, h, mp, H, m); /* rows of out */
        hs = ho;
        lds = ldo;
    }
    FN(transpose)((REAL *)a->h_n + (d * B + b0) * H, H, hs, lds, H, m);
    return 0;
}

/* Lanes of the rows of a block: d_out (H, ldo), and the states before and after the step, hp
 * (H, ldp) and hn (H, ldn). */
typedef struct {
    const REAL *d_out, *hp, *hn;
    int64_t ldo, ldp, ldn;
} FN(step_lanes);

/* Gradients of one block of lanes: dh (dL/dh' from later steps; in place, the part that
 * bypasses W_hh) (H, ld); the saved factors sv (H, LANE_FACTORS, LANE_BLOCK); writes dgi, dgh (G,
 * ld). Lanes beyond the batch have dh = d_out = 0, so their gradients are 0. */
static inline void FN(lanes_back)(REAL *dh, int64_t ld, FN(step_lanes) v, const REAL *sv, int64_t H, REAL *dgi,
                                  REAL *dgh) {
    const int64_t at = LANE_BLOCK, per_unit = LANE_FACTORS * LANE_BLOCK;
    for (int64_t j = 0; j < H; j++) { /* prefetches never fault, also past the end of the buffer */
        const REAL *ahead = sv + PREFETCH_BLOCKS * H * per_unit + j * per_unit;
        for (int64_t l = 0; l < per_unit; l += 64 / (int64_t)sizeof(REAL)) __builtin_prefetch(ahead + l);
        for (int64_t i = 0; i < LANE_BLOCK; i += VL) {
            const int64_t k = j * ld + i;
            const REAL *f = sv + j * per_unit + i;
            const FN(vec) r = *(const FN(vec) *)f, z = *(const FN(vec) *)(f + at);
            const FN(vec) g = *(FN(vec) *)(dh + k) + *(const FN(vec_u) *)(v.d_out + j * v.ldo + i);
            const FN(vec) dn = g * *(const FN(vec) *)(f + 2 * at);
            const FN(vec) dr = dn * *(const FN(vec) *)(f + 3 * at);
            const FN(vec) hp = *(const FN(vec_u) *)(v.hp + j * v.ldp + i);
            const FN(vec) hn = *(const FN(vec_u) *)(v.hn + j * v.ldn + i);
            const FN(vec) dz = g * z * (hp - hn); /* g z (h - h') */
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

/* The states before and after step t of an item's lanes, (H, ld) each. Between lanes layers
 * they are read in place from the output (h0 transposed once into h0t for the first step); else
 * the rows of the output are transposed into two buffers that take turns, the state before one
 * step being the state after the next one in the backward order. */
typedef struct {
    const REAL *before, *after;
    int64_t ld_before, ld_after;
} FN(states);

static void FN(step_states)(const gru_args *a, int64_t d, int64_t t, int64_t b0, int64_t m, int64_t mp, const REAL *h0t,
                           REAL *turns[2], int first_call, FN(states) *st) {
    const int64_t H = a->H, D = a->D, ldl = FN(lanes_padded)(a->B);
    const int first = d ? t == a->T - 1 : t == 0;
    if (a->out_lanes) {
        st->after = FN(lanes_at)(a, a->out, D * H, t, d * H, b0);
        st->before = first ? h0t : FN(lanes_at)(a, a->out, D * H, d ? t + 1 : t - 1, d * H, b0);
        st->ld_after = ldl;
        st->ld_before = first ? mp : ldl;
        return;
    }
    const REAL *rows = (const REAL *)a->out + (t * a->B + b0) * D * H + d * H;
    if (first_call) FN(transpose)(turns[0], mp, rows, D * H, m, H);
    REAL *after = first_call ? turns[0] : (REAL *)st->before, *before = after == turns[0] ? turns[1] : turns[0];
    int64_t lds;
    rows = FN(states_in_place)(a, d, t, b0, &lds);
    FN(transpose)(before, mp, rows, lds, m, H);
    st->after = after;
    st->before = before;
    st->ld_after = st->ld_before = mp;
}

/* What the backward step after step s (of the backward order) reads from memory: its saved
 * factors, and between lanes layers its d_out and previous states; spread over the tiles of the
 * weight-gradient sums. */
static FN(stream) FN(next_step_reads)(const gru_args *a, int64_t d, int64_t s, int64_t b0, int64_t mp, int want_i,
                                      int want_h) {
    const int64_t T = a->T, H = a->H, D = a->D, G = 3 * H, t = d ? s + 1 : T - 2 - s;
    FN(stream) st;
    memset(&st, 0, sizeof(st));
    if (s + 1 >= T) return st;
    const int64_t row = (int64_t)ROW_BYTES(mp), ld = (int64_t)ROW_BYTES(FN(lanes_padded)(a->B));
    FN(stream_add)(&st, FN(saved_block)(a, d, t, b0), 1, (int64_t)ROW_BYTES(mp * H * LANE_FACTORS), 0);
    if (a->out_lanes) FN(stream_add)(&st, FN(lanes_at)(a, a->d_out, D * H, t, d * H, b0), H, row, ld);
    if (a->out_lanes && t != (d ? T - 1 : 0))
        FN(stream_add)(&st, FN(lanes_at)(a, a->out, D * H, d ? t + 1 : t - 1, d * H, b0), H, row, ld);
    const int64_t tiles = (want_h ? FN(product_tiles)(G, H) : 0) + (want_i ? FN(product_tiles)(G, a->I) : 0);
    st.lines = tiles ? (FN(stream_lines)(&st) + tiles - 1) / tiles : 0;
    return st;
}

static int FN(backward_lanes)(const gru_args *a, int64_t d, int64_t b0, int64_t b1) {
    const int64_t T = a->T, B = a->B, I = a->I, H = a->H, D = a->D, G = 3 * H, m = b1 - b0, mp = FN(lanes_padded)(m);
    const int64_t ldl = FN(lanes_padded)(B);
    const REAL *x = a->x, *Wi = (const REAL *)a->weight_ih + d * G * I, *Wh = (const REAL *)a->weight_hh + d * G * H;
    const int want_i = a->d_weight_ih || a->d_bias_ih, want_h = a->d_weight_hh || a->d_bias_hh;
    REAL *dh = FN(zeros)(SLOT_STATE, (H + VL) * mp); /* VL spare rows */
    REAL *dout = a->out_lanes ? NULL : FN(zeros)(SLOT_RH, H * mp);
    REAL *dgi = FN(buffer)(SLOT_D_GI, G * mp), *dgh = FN(buffer)(SLOT_D_GH, G * mp);
    REAL *dx = a->d_x && !a->x_lanes ? FN(zeros)(SLOT_CX, (I + VL) * mp) : NULL;
    REAL *xt = want_i && !a->x_lanes ? FN(zeros)(SLOT_REC, I * mp) : NULL;
    REAL *h0t = a->out_lanes ? FN(zeros)(SLOT_C_IN, H * mp) : NULL;
    REAL *turns[2] = {NULL, NULL};
    if (!a->out_lanes) turns[0] = FN(zeros)(SLOT_RZ, H * mp), turns[1] = FN(zeros)(SLOT_D_HR, H * mp);
    FN(vec) *acc_i = want_i ? (FN(vec) *)FN(zeros)(SLOT_B_IH, (G * I + G) * VL) : NULL;
    FN(vec) *acc_h = want_h ? (FN(vec) *)FN(zeros)(SLOT_B_HH, (G * H + G) * VL) : NULL;
    if (!dh || (!a->out_lanes && (!dout || !turns[0] || !turns[1])) || !dgi || !dgh || (a->d_x && !a->x_lanes && !dx) ||
        (want_i && !a->x_lanes && !xt) || (a->out_lanes && !h0t) || (want_i && !acc_i) || (want_h && !acc_h))
        return 1;
    FN(transpose)(dh, mp, (const REAL *)a->d_h_n + (d * B + b0) * H, H, m, H);
    if (h0t) FN(transpose)(h0t, mp, (const REAL *)a->h0 + (d * B + b0) * H, H, m, H);
    FN(states) st = {NULL, NULL, 0, 0};
    for (int64_t s = 0; s < T; s++) {
        const int64_t t = d ? s : T - 1 - s; /* the forward order, reversed */
        FN(step_states)(a, d, t, b0, m, mp, h0t, turns, s == 0, &st);
        FN(step_lanes) v = {dout, st.before, st.after, mp, st.ld_before, st.ld_after};
        if (a->out_lanes) { /* d_out (H, mp): in place, or transposed from its rows */
            v.d_out = FN(lanes_at)(a, a->d_out, D * H, t, d * H, b0);
            v.ldo = ldl;
        } else {
            const REAL *rows = (const REAL *)a->d_out + t * a->d_out_stride_t + b0 * a->d_out_stride_b + d * H;
            FN(transpose)(dout, mp, rows, a->d_out_stride_b, m, H);
        }
        REAL *dx_t = dx; /* dxT (I, mp): in place, or transposed to rows after the step */
        const int64_t ldxo = a->x_lanes ? ldl : mp;
        if (a->d_x && a->x_lanes) dx_t = FN(lanes_at)(a, a->d_x, I, d * T + t, 0, b0);
        for (int64_t c0 = 0; c0 < mp; c0 += LANE_BLOCK) {
            FN(step_lanes) vc = {v.d_out + c0, v.hp + c0, v.hn + c0, v.ldo, v.ldp, v.ldn};
            FN(lanes_back)(dh + c0, mp, vc, FN(saved_block)(a, d, t, b0 + c0), H, dgi + c0, dgh + c0);
            const FN(panels) pgh = FN(lane_panels)(dgh + c0, G, mp);
            FN(gemm)(H, &pgh, Wh, 1, H, dh + c0, mp, 1); /* dhT += W_hh^T dgh */
            if (dx_t) {
                const FN(panels) pgi = FN(lane_panels)(dgi + c0, G, mp);
                FN(gemm)(I, &pgi, Wi, 1, I, dx_t + c0, ldxo, 0); /* dxT = W_ih^T dgi */
            }
        }
        if (dx) FN(transpose)((REAL *)a->d_x + ((d * T + t) * B + b0) * I, I, dx, mp, I, m);
        FN(stream) ahead = FN(next_step_reads)(a, d, s, b0, mp, want_i, want_h);
        if (want_h) FN(lane_products)(acc_h, dgh, mp, st.before, st.ld_before, mp, G, H, &ahead); /* [dW_hh, db_hh] */
        if (want_i) { /* [dW_ih, db_ih] += dgi [x, 1] */
            const REAL *xs = xt;
            if (a->x_lanes) xs = FN(lanes_at)(a, x, I, t, 0, b0);
            else FN(transpose)(xt, mp, x + t * a->x_stride_t + b0 * a->x_stride_b, a->x_stride_b, m, I);
            FN(lane_products)(acc_i, dgi, mp, xs, a->x_lanes ? ldl : mp, mp, G, I, &ahead);
        }
    }
    FN(transpose)((REAL *)a->d_h0 + (d * B + b0) * H, H, dh, mp, H, m);
#pragma omp critical(gru_add_grads)
    {
        if (want_h)
            FN(add_lane_sums)(a->d_weight_hh ? (REAL *)a->d_weight_hh + d * G * H : NULL,
                              a->d_bias_hh ? (REAL *)a->d_bias_hh + d * G : NULL, acc_h, G, H);
        if (want_i)
            FN(add_lane_sums)(a->d_weight_ih ? (REAL *)a->d_weight_ih + d * G * I : NULL,
                              a->d_bias_ih ? (REAL *)a->d_bias_ih + d * G : NULL, acc_i, G, I);
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
#undef LANE_FACTORS
