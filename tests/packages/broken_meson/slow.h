/* Work enough to keep the optimizer busy for a while, and unused variables to warn about. */
#define ROUND(n, k) \
    static double round_##n##_##k(double x) { \
        _Pragma("GCC unroll 64") \
        for (int i = 0; i < 256; i++) { x = x * 1.000001 + (double)(i % (k + 3)) / (n + 7.0); } \
        return x; \
    }
#define ROUNDS8(n, k) ROUND(n, k##0) ROUND(n, k##1) ROUND(n, k##2) ROUND(n, k##3) \
                      ROUND(n, k##4) ROUND(n, k##5) ROUND(n, k##6) ROUND(n, k##7)
#define SUM8(n, k) (round_##n##_##k##0(1) + round_##n##_##k##1(1) + round_##n##_##k##2(1) + \
                    round_##n##_##k##3(1) + round_##n##_##k##4(1) + round_##n##_##k##5(1) + \
                    round_##n##_##k##6(1) + round_##n##_##k##7(1))
#define SLOW_UNIT(n) \
    ROUNDS8(n, 1) ROUNDS8(n, 2) ROUNDS8(n, 3) ROUNDS8(n, 4) \
    double slow_unit_##n(void); \
    double slow_unit_##n(void) { \
        int unused_a, unused_b, unused_c, unused_d, unused_e, unused_f; \
        int unused_g, unused_h, unused_i, unused_j, unused_k, unused_l; \
        return SUM8(n, 1) + SUM8(n, 2) + SUM8(n, 3) + SUM8(n, 4); \
    }
