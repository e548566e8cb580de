/* C (m x N) = A (m x K) @ P (K x N), or C += A @ P, for the small products of one time step.
 *
 * P is read in panels of NR = nrv * VL columns: either packed once per call (a weight matrix:
 * each panel K rows of NR contiguous values, zero beyond N) or a row-major scratch buffer whose
 * row stride is a whole number of panels. A is read one scalar at a time with any strides, so
 * A may be a transposed view (the weight-gradient products sum over the batch rows: K = rows).
 * The micro-kernel keeps an mr x nrv block of vectors of C in registers.
 * Included once per REAL type by fused_gru.c.
 */

typedef struct {
    const REAL *data;
    REAL *owned;          /* the packed copy (thread scratch) */
    int64_t K, N, nrv;    /* nrv vectors per panel row */
    int64_t npanels;
    int64_t ldp, pstride; /* row stride inside a panel; distance between panels */
} FN(panels);

static inline int64_t FN(nrv_for)(int64_t N) {
    const int64_t nrv = (N + VL - 1) / VL;
    return nrv < NRV_MAX ? nrv : NRV_MAX;
}

/* Columns of a buffer holding N values per row in whole panels: the row stride to use. */
static inline int64_t FN(padded)(int64_t N) {
    const int64_t nr = FN(nrv_for)(N) * VL;
    return (N + nr - 1) / nr * nr;
}

#ifdef HAVE_SHUFFLE
typedef INT_OF_REAL FN(ivec) __attribute__((vector_size(VBYTES)));

/* Transpose a VL x VL tile in registers: after it, v[l] holds lane l of every input vector.
 * Butterfly steps of s = VL/2, ..., 1 lanes swap the off-diagonal s x s blocks of row pairs. */
static inline __attribute__((always_inline)) void FN(transpose_tile)(FN(vec) *v) {
#pragma GCC unroll 8
    for (int s = VL / 2; s >= 1; s /= 2) {
        FN(ivec) lo = {0}, hi = {0};
#pragma GCC unroll 16
        for (int l = 0; l < VL; l++) {
            lo[l] = (l & s) ? VL + l - s : l;
            hi[l] = (l & s) ? VL + l : l + s;
        }
#pragma GCC unroll 16
        for (int i = 0; i < VL; i++)
            if (!(i & s)) {
                const FN(vec) a = v[i], b = v[i + s];
                v[i] = __builtin_shuffle(a, b, lo);
                v[i + s] = __builtin_shuffle(a, b, hi);
            }
    }
}

#endif

/* panel[k * nr + c] = src[k + c * sn] for k < K, c < cols: a transpose, VL x VL tiles at a time. */
static void FN(pack_transposed)(REAL *panel, int64_t nr, const REAL *src, int64_t sn, int64_t K, int64_t cols) {
    int64_t k0 = 0;
#ifdef HAVE_SHUFFLE
    for (; k0 + VL <= K; k0 += VL) {
        int64_t c0 = 0;
        for (; c0 + VL <= cols; c0 += VL) {
            FN(vec) v[VL];
#pragma GCC unroll 16
            for (int i = 0; i < VL; i++) v[i] = *(const FN(vec_u) *)(src + k0 + (c0 + i) * sn);
            FN(transpose_tile)(v);
#pragma GCC unroll 16
            for (int i = 0; i < VL; i++) *(FN(vec) *)(panel + (k0 + i) * nr + c0) = v[i];
        }
        for (int64_t c = c0; c < cols; c++)
            for (int64_t k = k0; k < k0 + VL; k++) panel[k * nr + c] = src[k + c * sn];
    }
#endif
    for (int64_t k = k0; k < K; k++)
        for (int64_t c = 0; c < cols; c++) panel[k * nr + c] = src[k + c * sn];
}

/* The values FN(pack_into) writes for a K x N matrix: whole panels of nr columns. */
static inline int64_t FN(pack_values)(int64_t K, int64_t N) {
    const int64_t nr = FN(nrv_for)(N) * VL;
    return (N + nr - 1) / nr * K * nr;
}

/* Pack P[k, n] = src[k * sk + n * sn] for k < K, n < N into `buffer` (FN(pack_values)(K, N) values). */
static void FN(pack_into)(FN(panels) *p, REAL *buffer, const REAL *src, int64_t K, int64_t N, int64_t sk,
                          int64_t sn) {
    p->nrv = FN(nrv_for)(N);
    const int64_t nr = p->nrv * VL;
    p->K = K;
    p->N = N;
    p->npanels = (N + nr - 1) / nr;
    p->ldp = nr;
    p->pstride = K * nr;
    p->owned = buffer;
    p->data = buffer;
    for (int64_t q = 0; q < p->npanels; q++) {
        REAL *panel = buffer + q * K * nr;
        const int64_t cols = N - q * nr < nr ? N - q * nr : nr;
        if (cols < nr) memset(panel, 0, sizeof(REAL) * (size_t)(K * nr));
        if (sk == 1)
            FN(pack_transposed)(panel, nr, src + q * nr * sn, sn, K, cols);
        else
            for (int64_t k = 0; k < K; k++)
                for (int64_t c = 0; c < cols; c++) panel[k * nr + c] = src[k * sk + (q * nr + c) * sn];
    }
}

/* FN(pack_into) scratch slot `slot`. Returns 0, or -1 when out of memory. */
static int FN(pack)(FN(panels) *p, int slot, const REAL *src, int64_t K, int64_t N, int64_t sk, int64_t sn) {
    REAL *buffer = scratch(slot, sizeof(REAL) * (size_t)FN(pack_values)(K, N));
    if (!buffer) return -1;
    FN(pack_into)(p, buffer, src, K, N, sk, sn);
    return 0;
}

/* Panels over a row-major buffer of K rows with row stride FN(padded)(N), without copying. */
static inline FN(panels) FN(rows)(const REAL *data, int64_t K, int64_t N) {
    FN(panels) p;
    p.nrv = FN(nrv_for)(N);
    p.K = K;
    p.N = N;
    p.npanels = FN(padded)(N) / (p.nrv * VL);
    p.ldp = FN(padded)(N);
    p.pstride = p.nrv * VL;
    p.data = data;
    p.owned = NULL;
    return p;
}

/* One mr x (nrv * VL) block of C; mr, nrv and accumulate are constants after inlining. */
static inline __attribute__((always_inline)) void FN(micro)(const int mr, const int nrv, const int accumulate,
                                                            int64_t K, const REAL *A, int64_t a_row, int64_t a_k,
                                                            const REAL *P, int64_t ldp, REAL *C, int64_t ldc) {
    FN(vec) acc[ACC_REGS];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nrv; v++)
            acc[i * nrv + v] = accumulate ? *(const FN(vec) *)(C + i * ldc + v * VL) : (FN(vec)){0};
    if (mr == 1) { /* one row: a second chain of sums over odd k, so that FMAs overlap */
        FN(vec) odd[NRV_MAX];
        for (int v = 0; v < nrv; v++) odd[v] = (FN(vec)){0};
        int64_t k = 0;
        for (; k + 1 < K; k += 2) {
            const FN(vec) *b0 = (const FN(vec) *)(P + k * ldp), *b1 = (const FN(vec) *)(P + (k + 1) * ldp);
            const REAL a0 = A[k * a_k], a1 = A[(k + 1) * a_k];
            for (int v = 0; v < nrv; v++) {
                acc[v] += a0 * b0[v];
                odd[v] += a1 * b1[v];
            }
        }
        for (; k < K; k++)
            for (int v = 0; v < nrv; v++) acc[v] += A[k * a_k] * ((const FN(vec) *)(P + k * ldp))[v];
        for (int v = 0; v < nrv; v++) *(FN(vec) *)(C + v * VL) = acc[v] + odd[v];
        return;
    }
    for (int64_t k = 0; k < K; k++) {
        const FN(vec) *b = (const FN(vec) *)(P + k * ldp);
        for (int i = 0; i < mr; i++) {
            const REAL a = A[i * a_row + k * a_k];
            for (int v = 0; v < nrv; v++) acc[i * nrv + v] += a * b[v];
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nrv; v++) *(FN(vec) *)(C + i * ldc + v * VL) = acc[i * nrv + v];
}

typedef void (*FN(micro_fn))(int64_t, const REAL *, int64_t, int64_t, const REAL *, int64_t, REAL *, int64_t);

#define FN_MICRO(NRV, ACC)                                                                                    \
    static void FN(micro_full_##NRV##_##ACC)(int64_t K, const REAL *A, int64_t a_row, int64_t a_k,          \
                                            const REAL *P, int64_t ldp, REAL *C, int64_t ldc) {             \
        FN(micro)(ACC_REGS / NRV, NRV, ACC, K, A, a_row, a_k, P, ldp, C, ldc);                               \
    }                                                                                                       \
    static void FN(micro_one_##NRV##_##ACC)(int64_t K, const REAL *A, int64_t a_row, int64_t a_k,           \
                                           const REAL *P, int64_t ldp, REAL *C, int64_t ldc) {              \
        FN(micro)(1, NRV, ACC, K, A, a_row, a_k, P, ldp, C, ldc);                                            \
    }
FN_MICRO(1, 0)
FN_MICRO(2, 0)
FN_MICRO(1, 1)
FN_MICRO(2, 1)
#if NRV_MAX >= 3
FN_MICRO(3, 0)
FN_MICRO(4, 0)
FN_MICRO(3, 1)
FN_MICRO(4, 1)
#endif
#undef FN_MICRO

/* C = A @ P (accumulate 0) or C += A @ P (accumulate 1) for m rows of A, all panels of P.
 * A[i, k] = A[i * a_row + k * a_k]; C has row stride ldc and gets values beyond N as well. */
static void FN(gemm)(int64_t m, const FN(panels) *p, const REAL *A, int64_t a_row, int64_t a_k, REAL *C,
                     int64_t ldc, int accumulate) {
    FN(micro_fn) full, one;
#define PICK(NRV)                                                                                             \
    full = accumulate ? FN(micro_full_##NRV##_1) : FN(micro_full_##NRV##_0);                                  \
    one = accumulate ? FN(micro_one_##NRV##_1) : FN(micro_one_##NRV##_0);
    switch (p->nrv) {
        case 1: PICK(1) break;
#if NRV_MAX >= 3
        case 3: PICK(3) break;
        case 4: PICK(4) break;
#endif
        default: PICK(2) break;
    }
#undef PICK
    const int64_t nr = p->nrv * VL, mr = ACC_REGS / p->nrv, K = p->K, m_full = m / mr * mr;
    for (int64_t q = 0; q < p->npanels; q++) {
        const REAL *P = p->data + q * p->pstride;
        REAL *Cq = C + q * nr;
        for (int64_t i = 0; i < m_full; i += mr) full(K, A + i * a_row, a_row, a_k, P, p->ldp, Cq + i * ldc, ldc);
        for (int64_t i = m_full; i < m; i++) one(K, A + i * a_row, a_row, a_k, P, p->ldp, Cq + i * ldc, ldc);
    }
}
