/* Vectors of VL values of REAL, loads and stores of the first n <= VL lanes (the tail of a row
 * of H values, masked on AVX-512), and the vector sigmoid and tanh of the gate math.
 * Included once per REAL type by fused_gru.c.
 */

typedef REAL FN(vec) __attribute__((vector_size(VBYTES)));
typedef REAL FN(vec_u) __attribute__((vector_size(VBYTES), aligned(sizeof(REAL)))); /* unaligned access */

static inline FN(vec) FN(load)(const REAL *p, int64_t n) {
    if (n >= VL) return *(const FN(vec_u) *)p;
#if VBYTES == 64
    return (FN(vec))MASKZ_LOADU((MASK_T)((1u << n) - 1), p);
#else
    FN(vec) v = {0};
    memcpy(&v, p, sizeof(REAL) * (size_t)n);
    return v;
#endif
}

static inline void FN(store)(REAL *p, FN(vec) v, int64_t n) {
    if (n >= VL) {
        *(FN(vec_u) *)p = v;
        return;
    }
#if VBYTES == 64
    MASK_STOREU(p, (MASK_T)((1u << n) - 1), v);
#else
    memcpy(p, &v, sizeof(REAL) * (size_t)n);
#endif
}

static inline FN(vec) FN(splat)(REAL x) { return (FN(vec)){0} + x; }

/* 1 / x: division, or where the CPU has it an estimate refined by one Newton step (the gate
 * math's three divisions per unit were its bottleneck). */
static inline FN(vec) FN(vrecip)(FN(vec) x) {
#ifdef VRCP
    const FN(vec) r = (FN(vec))VRCP(x);
    return r * (2 - x * r);
#else
    return 1 / x;
#endif
}

static inline FN(vec) FN(vsigmoid)(FN(vec) x) { return FN(vrecip)(1 + VEXP(-x)); }

static inline FN(vec) FN(vtanh)(FN(vec) x) {
#ifdef VTANH
    return VTANH(x);
#else
    return 2 * FN(vrecip)(1 + VEXP(-2 * x)) - 1;
#endif
}
