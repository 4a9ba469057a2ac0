// 4-lane f32 SIMD mapping, one block per instruction set (ggml's ggml-cpu/simd-mappings.h style).
//
//   F32x4        a vector of 4 floats
//   f32x4_load / f32x4_store          unaligned 16-byte load/store
//   f32x4_splat(x) / f32x4_load_splat(p)   broadcast a value / *p to all lanes
//   f32x4_zero()
//   f32x4_add / f32x4_mul / f32x4_mul_add(a, b, c) = a*b + c   (two roundings: baseline wasm SIMD128
//                                                             and SSE2 have no fused multiply-add)
//   f32x4_reduce_add(v)               v[0] + v[1] + v[2] + v[3]
//   f32x4_transpose4(r0, r1, r2, r3)   in-place 4x4 transpose
//   f32x4_sub / f32x4_div / f32x4_sqrt  IEEE, correctly rounded: lane for lane equal to scalar float code
//   f32x4_gt(a, b)                    lane mask (all bits set where a > b, else 0; false for NaN)
//   f32x4_and(mask, v)                v where mask, +0.0 elsewhere
//   f32x4_select(mask, a, b)          a where mask, b elsewhere
//   f32x4_unzip(v0, v1, even, odd)    even = (v0[0] v0[2] v1[0] v1[2]), odd = (v0[1] v0[3] v1[1] v1[3])
//   I32x4, i32x4_load / store / splat / add,
//   i32x4_select(mask, a, b)          4 x int32 lanes (in wasm the same v128_t as F32x4, hence the prefix)
//
// Blocks: __wasm_simd128__ (emcc -msimd128), __SSE2__ (every x86-64), and a scalar struct so the same
// kernels compile anywhere. CONVPAD_SIMD_NAME says which block was taken.
//
// Everything is `static inline` on purpose: gemm_avx2.cpp and other ISA-specific files are compiled with
// extra -m flags, and a plain `inline` function emitted out of line (-O0, or the inliner declining) would be
// a weak symbol the linker may pick from the AVX2 object for callers on machines without AVX2.
#pragma once
#include <cstdint>

#if defined(__wasm_simd128__)
// [SECTION] WebAssembly SIMD128
#include <wasm_simd128.h>
#define CONVPAD_SIMD_NAME "wasm-simd128"
#define CONVPAD_HAVE_F32X4 1

namespace convpad {
using F32x4 = v128_t;
static inline F32x4 f32x4_load(const float* p) { return wasm_v128_load(p); }
static inline void f32x4_store(float* p, F32x4 v) { wasm_v128_store(p, v); }
static inline F32x4 f32x4_splat(float x) { return wasm_f32x4_splat(x); }
// JavaScriptCore makes one vbroadcastss of a load32_splat only when the load has no constant offset; with
// one (LLVM folds Ap + i into it) it loads into a general register, moves it over and shuffles, which made
// the GEMM micro-kernel's inner loop half as long again in Safari's engine. The empty asm hides the
// offset: an i32.add instead, which costs V8 and SpiderMonkey nothing.
static inline F32x4 f32x4_load_splat(const float* p) {
    __asm__("" : "+r"(p));
    return wasm_v128_load32_splat(p);
}
static inline F32x4 f32x4_zero() { return wasm_f32x4_const_splat(0.0f); }
static inline F32x4 f32x4_add(F32x4 a, F32x4 b) { return wasm_f32x4_add(a, b); }
static inline F32x4 f32x4_mul(F32x4 a, F32x4 b) { return wasm_f32x4_mul(a, b); }
static inline F32x4 f32x4_mul_add(F32x4 a, F32x4 b, F32x4 c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
static inline float f32x4_reduce_add(F32x4 v) {
    F32x4 s = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));  // (v0+v2, v1+v3, ..)
    s = wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(s, 0);
}
static inline void f32x4_transpose4(F32x4& r0, F32x4& r1, F32x4& r2, F32x4& r3) {
    F32x4 t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);  // a0 b0 a1 b1
    F32x4 t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);  // c0 d0 c1 d1
    F32x4 t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);  // a2 b2 a3 b3
    F32x4 t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);  // c2 d2 c3 d3
    r0 = wasm_i64x2_shuffle(t0, t1, 0, 2);               // a0 b0 c0 d0
    r1 = wasm_i64x2_shuffle(t0, t1, 1, 3);
    r2 = wasm_i64x2_shuffle(t2, t3, 0, 2);
    r3 = wasm_i64x2_shuffle(t2, t3, 1, 3);
}
static inline F32x4 f32x4_sub(F32x4 a, F32x4 b) { return wasm_f32x4_sub(a, b); }
static inline F32x4 f32x4_div(F32x4 a, F32x4 b) { return wasm_f32x4_div(a, b); }
static inline F32x4 f32x4_sqrt(F32x4 a) { return wasm_f32x4_sqrt(a); }
static inline F32x4 f32x4_gt(F32x4 a, F32x4 b) { return wasm_f32x4_gt(a, b); }
static inline F32x4 f32x4_and(F32x4 mask, F32x4 v) { return wasm_v128_and(mask, v); }
static inline F32x4 f32x4_select(F32x4 mask, F32x4 a, F32x4 b) { return wasm_v128_bitselect(a, b, mask); }
static inline void f32x4_unzip(F32x4 v0, F32x4 v1, F32x4& even, F32x4& odd) {
    even = wasm_i32x4_shuffle(v0, v1, 0, 2, 4, 6);
    odd = wasm_i32x4_shuffle(v0, v1, 1, 3, 5, 7);
}
using I32x4 = v128_t;
static inline I32x4 i32x4_load(const std::int32_t* p) { return wasm_v128_load(p); }
static inline void i32x4_store(std::int32_t* p, I32x4 v) { wasm_v128_store(p, v); }
static inline I32x4 i32x4_splat(std::int32_t x) { return wasm_i32x4_splat(x); }
static inline I32x4 i32x4_add(I32x4 a, I32x4 b) { return wasm_i32x4_add(a, b); }
static inline I32x4 i32x4_select(F32x4 mask, I32x4 a, I32x4 b) { return wasm_v128_bitselect(a, b, mask); }
}  // namespace convpad

#elif defined(__SSE2__)
// [SECTION] x86 SSE2 (the x86-64 baseline)
#include <emmintrin.h>
#define CONVPAD_SIMD_NAME "sse2"
#define CONVPAD_HAVE_F32X4 1

namespace convpad {
using F32x4 = __m128;
static inline F32x4 f32x4_load(const float* p) { return _mm_loadu_ps(p); }
static inline void f32x4_store(float* p, F32x4 v) { _mm_storeu_ps(p, v); }
static inline F32x4 f32x4_splat(float x) { return _mm_set1_ps(x); }
static inline F32x4 f32x4_load_splat(const float* p) { return _mm_load1_ps(p); }
static inline F32x4 f32x4_zero() { return _mm_setzero_ps(); }
static inline F32x4 f32x4_add(F32x4 a, F32x4 b) { return _mm_add_ps(a, b); }
static inline F32x4 f32x4_mul(F32x4 a, F32x4 b) { return _mm_mul_ps(a, b); }
static inline F32x4 f32x4_mul_add(F32x4 a, F32x4 b, F32x4 c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
static inline float f32x4_reduce_add(F32x4 v) {
    F32x4 s = _mm_add_ps(v, _mm_movehl_ps(v, v));        // (v0+v2, v1+v3, ..)
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
static inline void f32x4_transpose4(F32x4& r0, F32x4& r1, F32x4& r2, F32x4& r3) {
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
}
static inline F32x4 f32x4_sub(F32x4 a, F32x4 b) { return _mm_sub_ps(a, b); }
static inline F32x4 f32x4_div(F32x4 a, F32x4 b) { return _mm_div_ps(a, b); }
static inline F32x4 f32x4_sqrt(F32x4 a) { return _mm_sqrt_ps(a); }
static inline F32x4 f32x4_gt(F32x4 a, F32x4 b) { return _mm_cmpgt_ps(a, b); }
static inline F32x4 f32x4_and(F32x4 mask, F32x4 v) { return _mm_and_ps(mask, v); }
static inline F32x4 f32x4_select(F32x4 mask, F32x4 a, F32x4 b) {
    return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
}
static inline void f32x4_unzip(F32x4 v0, F32x4 v1, F32x4& even, F32x4& odd) {
    even = _mm_shuffle_ps(v0, v1, _MM_SHUFFLE(2, 0, 2, 0));
    odd = _mm_shuffle_ps(v0, v1, _MM_SHUFFLE(3, 1, 3, 1));
}
using I32x4 = __m128i;
static inline I32x4 i32x4_load(const std::int32_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
static inline void i32x4_store(std::int32_t* p, I32x4 v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
static inline I32x4 i32x4_splat(std::int32_t x) { return _mm_set1_epi32(x); }
static inline I32x4 i32x4_add(I32x4 a, I32x4 b) { return _mm_add_epi32(a, b); }
static inline I32x4 i32x4_select(F32x4 mask, I32x4 a, I32x4 b) {
    const __m128i m = _mm_castps_si128(mask);
    return _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b));
}
}  // namespace convpad

#else
// [SECTION] Portable scalar fallback (no SIMD): same interface, plain arrays.
#define CONVPAD_SIMD_NAME "scalar"
#define CONVPAD_HAVE_F32X4 0
#include <cmath>
#include <cstring>

namespace convpad {
struct F32x4 {
    float v[4];
};
static inline F32x4 f32x4_load(const float* p) { return F32x4{{p[0], p[1], p[2], p[3]}}; }
static inline void f32x4_store(float* p, F32x4 x) {
    for (int l = 0; l < 4; ++l) p[l] = x.v[l];
}
static inline F32x4 f32x4_splat(float x) { return F32x4{{x, x, x, x}}; }
static inline F32x4 f32x4_load_splat(const float* p) { return f32x4_splat(*p); }
static inline F32x4 f32x4_zero() { return f32x4_splat(0.0f); }
static inline F32x4 f32x4_add(F32x4 a, F32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] += b.v[l];
    return a;
}
static inline F32x4 f32x4_mul(F32x4 a, F32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] *= b.v[l];
    return a;
}
static inline F32x4 f32x4_mul_add(F32x4 a, F32x4 b, F32x4 c) { return f32x4_add(f32x4_mul(a, b), c); }
static inline float f32x4_reduce_add(F32x4 x) { return (x.v[0] + x.v[2]) + (x.v[1] + x.v[3]); }
static inline void f32x4_transpose4(F32x4& r0, F32x4& r1, F32x4& r2, F32x4& r3) {
    F32x4* r[4] = {&r0, &r1, &r2, &r3};
    for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j) {
            float t = r[i]->v[j];
            r[i]->v[j] = r[j]->v[i];
            r[j]->v[i] = t;
        }
}
// Lane masks are all-ones / all-zeros bit patterns in float lanes, handled through memcpy.
static inline std::uint32_t f32x4_bits_(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, 4);
    return u;
}
static inline float f32x4_from_bits_(std::uint32_t u) {
    float x;
    std::memcpy(&x, &u, 4);
    return x;
}
static inline F32x4 f32x4_sub(F32x4 a, F32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] -= b.v[l];
    return a;
}
static inline F32x4 f32x4_div(F32x4 a, F32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] /= b.v[l];
    return a;
}
static inline F32x4 f32x4_sqrt(F32x4 a) {
    for (int l = 0; l < 4; ++l) a.v[l] = std::sqrt(a.v[l]);
    return a;
}
static inline F32x4 f32x4_gt(F32x4 a, F32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] = f32x4_from_bits_(a.v[l] > b.v[l] ? 0xffffffffu : 0u);
    return a;
}
static inline F32x4 f32x4_and(F32x4 mask, F32x4 v) {
    for (int l = 0; l < 4; ++l) v.v[l] = f32x4_from_bits_(f32x4_bits_(mask.v[l]) & f32x4_bits_(v.v[l]));
    return v;
}
static inline F32x4 f32x4_select(F32x4 mask, F32x4 a, F32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] = f32x4_bits_(mask.v[l]) ? a.v[l] : b.v[l];
    return a;
}
static inline void f32x4_unzip(F32x4 v0, F32x4 v1, F32x4& even, F32x4& odd) {
    even = F32x4{{v0.v[0], v0.v[2], v1.v[0], v1.v[2]}};
    odd = F32x4{{v0.v[1], v0.v[3], v1.v[1], v1.v[3]}};
}
struct I32x4 {
    std::int32_t v[4];
};
static inline I32x4 i32x4_load(const std::int32_t* p) { return I32x4{{p[0], p[1], p[2], p[3]}}; }
static inline void i32x4_store(std::int32_t* p, I32x4 x) {
    for (int l = 0; l < 4; ++l) p[l] = x.v[l];
}
static inline I32x4 i32x4_splat(std::int32_t x) { return I32x4{{x, x, x, x}}; }
static inline I32x4 i32x4_add(I32x4 a, I32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] += b.v[l];
    return a;
}
static inline I32x4 i32x4_select(F32x4 mask, I32x4 a, I32x4 b) {
    for (int l = 0; l < 4; ++l) a.v[l] = f32x4_bits_(mask.v[l]) ? a.v[l] : b.v[l];
    return a;
}
}  // namespace convpad
#endif
