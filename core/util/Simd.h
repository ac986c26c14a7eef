#pragma once
// Hot loops of the CPU trainer get an AVX2 clone picked at load time; the baseline build stays
// portable to any x86-64.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define FLOPSFIT_SIMD __attribute__((target_clones("avx2", "default")))
#else
#define FLOPSFIT_SIMD
#endif
