// Packed single-precision GEMM in the GotoBLAS/BLIS style.
//
//   C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C        (row-major, see gemm.h)
//
//   for jc < N step NC:                        B block (KC x NC, 512 KB) stays in L2
//     for pc < K step KC:                      pack op(B)[pc:+KC, jc:+NC] into NR-wide panels
//       for ic < M step MC:                    pack op(A)[ic:+MC, pc:+KC] into MR-tall panels
//         for jr < NC step NR:                 one B panel (KC x NR) stays in L1 ...
//           for ir < MC step MR:               ... while the A panels stream past it
//             micro-kernel: C[MR x NR] (+)= Ap panel * Bp panel
//
// Packing is where the transposes are absorbed: every Trans combination feeds the same micro-kernel
// with contiguous, zero-padded panels, so edges need no special compute code, only a masked write-back.
// Micro-kernels: gemm_avx2.cpp (6x16 AVX2+FMA, chosen at run time on x86-64) and micro_f32x4 below
// (simd.h's F32x4: wasm SIMD128, SSE2, or scalar). M == 1 / N == 1 go to matrix-vector loops instead, and
// a C narrower than one tile (N < NR) is computed transposed.
//
// Threads (kernels/parallel.h, opt-in with set_num_threads): a big enough product is split over N in
// NR-aligned column ranges (each thread packs its own B panels; op(A) is packed once and shared), or over M
// in MR-aligned row ranges when N is too narrow. K blocking and tiles do not depend on the split, so the
// result is bit-identical for every thread count.
#include "kernels/gemm.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/gemm_internal.h"
#include "kernels/parallel.h"
#include "kernels/simd.h"

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(__EMSCRIPTEN__)
#define CONVPAD_GEMM_HAVE_AVX2 1
#else
#define CONVPAD_GEMM_HAVE_AVX2 0
#endif

// Register tile of the F32x4 micro-kernel: MR rows x (4 * NV) columns. Chosen by measurement
// (tools/bench/native/bench_gemm.cpp); override with -D only to re-tune.
#ifndef CONVPAD_GEMM_F32X4_MR
#define CONVPAD_GEMM_F32X4_MR 4
#endif
#ifndef CONVPAD_GEMM_F32X4_NV
#define CONVPAD_GEMM_F32X4_NV 2
#endif

namespace convpad {
namespace {

// [SECTION] Blocking

struct Blocking {
    int mc;         // A block MC x KC, kept in L2 and re-read for every B panel
    int kc;         // K block: one B panel KC x NR (16 KB at 256 x 16) stays in L1 while A streams by
    int l2_floats;  // B block KC x NC is sized to this (NC = l2_floats / KC), so packed B is re-read from L2
};

constexpr int kF32x4MR = CONVPAD_GEMM_F32X4_MR;
constexpr int kF32x4NR = 4 * CONVPAD_GEMM_F32X4_NV;
constexpr Blocking kF32x4Blocking = {kF32x4MR * 24, 256, 128 * 1024};
#if CONVPAD_GEMM_HAVE_AVX2
constexpr Blocking kAvx2Blocking = {kAvx2MR * 24, 256, 128 * 1024};
#endif

int round_up(int x, int multiple) { return (x + multiple - 1) / multiple * multiple; }

// Grows and never shrinks, so after the first call of a given size sgemm() does not allocate.
// thread_local: each thread packs into its own buffers (plain statics in single-thread wasm).
class PackBuffer {
public:
    float* get(std::size_t floats) {
        if (storage_.size() < floats + 16) storage_.resize(floats + 16);
        auto addr = reinterpret_cast<std::uintptr_t>(storage_.data());
        return storage_.data() + ((64 - addr % 64) % 64) / sizeof(float);  // 64-byte aligned panels
    }

private:
    std::vector<float> storage_;
};

thread_local PackBuffer t_vec, t_swap;
thread_local PackBuffer t_pack_a_all;  // op(A) shared by the threads of one call

// The A and B panels one thread packs for the blocks of C it computes. A calling thread owns one set per
// parallel_thread_index() and grows them all before it dispatches, so sgemm allocates only when a call is
// bigger than any before, whichever thread ends up running which part (the training step's
// no-allocation guarantee holds with threads too).
struct BlockBuffers {
    PackBuffer a, b;
};
thread_local std::vector<BlockBuffers> t_block_buffers;

std::vector<BlockBuffers>& block_buffers() {
    if (t_block_buffers.size() < std::size_t(num_threads())) t_block_buffers.resize(std::size_t(num_threads()));
    return t_block_buffers;
}

// Calls made inside a parallel_for part (one GEMM per image, the images split over threads) run
// single-threaded on buffers of their parallel_thread_index(), grown beforehand by sgemm_reserve_parts on
// the dispatching thread: which thread ends up with which shape is a matter of timing, so thread_local
// buffers would first grow whenever a thread first meets the biggest shape, possibly many steps in.
struct PartBuffers {
    BlockBuffers block;
    PackBuffer vec, swap;
};
std::vector<PartBuffers> g_part_buffers;  // resized only by sgemm_reserve_parts, outside any dispatch

PartBuffers* part_buffers() {
    if (!in_parallel_part()) return nullptr;
    const std::size_t index = std::size_t(parallel_thread_index());
    return index < g_part_buffers.size() ? &g_part_buffers[index] : nullptr;
}
PackBuffer& vec_buffer() {
    PartBuffers* part = part_buffers();
    return part ? part->vec : t_vec;
}
PackBuffer& swap_buffer() {
    PartBuffers* part = part_buffers();
    return part ? part->swap : t_swap;
}

// [SECTION] Packing

// dst (kc, W): dst[k*W + r] = src[r*ld + k] for r < rows, 0 for rows <= r < W.
// Reads `rows` rows of a row-major matrix and interleaves them: op(A) = A and op(B) = B^T take this path.
template <int W>
void pack_interleave_rows(const float* src, int ld, int rows, int kc, float* dst) {
    int r = 0;
#if CONVPAD_HAVE_F32X4
    // Four rows at a time through 4x4 register transposes; the k tail and leftover rows go scalar.
    for (; r + 4 <= rows; r += 4) {
        const float* s0 = src + std::size_t(r) * ld;
        const float* s1 = s0 + ld;
        const float* s2 = s1 + ld;
        const float* s3 = s2 + ld;
        int k = 0;
        for (; k + 4 <= kc; k += 4) {
            F32x4 v0 = f32x4_load(s0 + k), v1 = f32x4_load(s1 + k);
            F32x4 v2 = f32x4_load(s2 + k), v3 = f32x4_load(s3 + k);
            f32x4_transpose4(v0, v1, v2, v3);
            f32x4_store(dst + (k + 0) * W + r, v0);
            f32x4_store(dst + (k + 1) * W + r, v1);
            f32x4_store(dst + (k + 2) * W + r, v2);
            f32x4_store(dst + (k + 3) * W + r, v3);
        }
        for (; k < kc; ++k) {
            dst[k * W + r + 0] = s0[k];
            dst[k * W + r + 1] = s1[k];
            dst[k * W + r + 2] = s2[k];
            dst[k * W + r + 3] = s3[k];
        }
    }
#endif
    for (; r < rows; ++r) {
        const float* s = src + std::size_t(r) * ld;
        for (int k = 0; k < kc; ++k) dst[k * W + r] = s[k];
    }
    for (; r < W; ++r)
        for (int k = 0; k < kc; ++k) dst[k * W + r] = 0.0f;
}

// dst (kc, W): dst[k*W + c] = src[k*ld + c] for c < cols, 0 for cols <= c < W.
// Row slices copied as they are: op(A) = A^T and op(B) = B take this path.
template <int W>
void pack_copy_rows(const float* src, int ld, int cols, int kc, float* dst) {
    if (cols == W) {
        for (int k = 0; k < kc; ++k) {
            const float* s = src + std::size_t(k) * ld;
            float* d = dst + k * W;
#if CONVPAD_HAVE_F32X4
            if (W % 4 == 0) {
                for (int c = 0; c < W; c += 4) f32x4_store(d + c, f32x4_load(s + c));
                continue;
            }
#endif
            for (int c = 0; c < W; ++c) d[c] = s[c];
        }
        return;
    }
    for (int k = 0; k < kc; ++k) {
        const float* s = src + std::size_t(k) * ld;
        float* d = dst + k * W;
        int c = 0;
        for (; c < cols; ++c) d[c] = s[c];
        for (; c < W; ++c) d[c] = 0.0f;
    }
}

// op(A)[i0:+mc, p0:+kc] -> ceil(mc/MR) panels of (kc, MR), one after the other.
template <int MR>
void pack_a(Trans ta, const float* A, int lda, int i0, int mc, int p0, int kc, float* Ap) {
    for (int ir = 0; ir < mc; ir += MR, Ap += kc * MR) {
        const int m = std::min(MR, mc - ir);
        if (ta == Trans::No)  // op(A)(i, k) = A[i*lda + k]
            pack_interleave_rows<MR>(A + std::size_t(i0 + ir) * lda + p0, lda, m, kc, Ap);
        else                  // op(A)(i, k) = A[k*lda + i]
            pack_copy_rows<MR>(A + std::size_t(p0) * lda + i0 + ir, lda, m, kc, Ap);
    }
}

// op(B)[p0:+kc, j0:+nc] -> ceil(nc/NR) panels of (kc, NR), one after the other.
template <int NR>
void pack_b(Trans tb, const float* B, int ldb, int p0, int kc, int j0, int nc, float* Bp) {
    for (int jr = 0; jr < nc; jr += NR, Bp += kc * NR) {
        const int n = std::min(NR, nc - jr);
        if (tb == Trans::No)  // op(B)(k, j) = B[k*ldb + j]
            pack_copy_rows<NR>(B + std::size_t(p0) * ldb + j0 + jr, ldb, n, kc, Bp);
        else                  // op(B)(k, j) = B[j*ldb + k]
            pack_interleave_rows<NR>(B + std::size_t(j0 + jr) * ldb + p0, ldb, n, kc, Bp);
    }
}

// [SECTION] F32x4 micro-kernel (wasm SIMD128 / SSE2 / scalar)

// MR x (4*NV) tile held in MR*NV F32x4 accumulators; per k: NV loads of B, MR broadcasts of A
// (v128.load32_splat -> one vbroadcastss in V8, and in JavaScriptCore when it has no offset: simd.h), MR*NV
// mul + add pairs (no FMA in baseline SIMD128).
//
// 4x8 it is. V8 allocates only 15 xmm registers on x64 (xmm15 is its scratch), and a mul-then-add needs a
// temporary that an FMA would not: 4x8 uses 8 accumulators + 2 B + 1 A + 1 product. Measured under node 20
// (bench_gemm, GFLOP/s on conv2 fwd / 512^3 / conv1 wgrad): 4x8 52/59/27, 2x16 52/60/21, 2x12 50/56/25,
// 3x8 48/36/20, 6x8 28/22/13, 5x8 30/21/14, 4x12 20/30/20, 4x16 29/32/16, 8x8 29/30/15: tiles of 10 or more
// accumulators spill in V8 and fall to half speed. Natively with SSE2 (GCC, all 16 xmm) 4x8 and 6x8 are
// within noise (~41 / ~44), so the same tile serves both. Do not let the compiler unroll the k loop: clang's
// x2 unroll interleaves two iterations' loads and V8 then spills (58 -> 38 GFLOP/s).
//
// Scalar equivalent:
//   for k < kc: for i < MR: for j < NR: acc[i][j] += Ap[k*MR + i] * Bp[k*NR + j];
//   C[i*ldc + j] = alpha * acc[i][j] + beta * C[i*ldc + j]   (i < m, j < n; beta == 0: C not read)
template <int MR, int NV>
void micro_f32x4(int kc, const float* Ap, const float* Bp, float alpha, float beta, float* C, int ldc,
                 int m, int n) {
    constexpr int NR = 4 * NV;
    F32x4 acc[MR][NV];
    for (int i = 0; i < MR; ++i)
        for (int v = 0; v < NV; ++v) acc[i][v] = f32x4_zero();

#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
    for (int k = 0; k < kc; ++k) {
        F32x4 b[NV];
        for (int v = 0; v < NV; ++v) b[v] = f32x4_load(Bp + 4 * v);
        for (int i = 0; i < MR; ++i) {
            const F32x4 a = f32x4_load_splat(Ap + i);
            for (int v = 0; v < NV; ++v) acc[i][v] = f32x4_mul_add(a, b[v], acc[i][v]);
        }
        Ap += MR;
        Bp += NR;
    }

    const F32x4 va = f32x4_splat(alpha);
    if (m == MR && n == NR) {
        if (beta == 0.0f) {
            for (int i = 0; i < MR; ++i)
                for (int v = 0; v < NV; ++v) f32x4_store(C + i * ldc + 4 * v, f32x4_mul(va, acc[i][v]));
        } else {
            const F32x4 vb = f32x4_splat(beta);
            for (int i = 0; i < MR; ++i)
                for (int v = 0; v < NV; ++v) {
                    float* c = C + i * ldc + 4 * v;
                    f32x4_store(c, f32x4_mul_add(va, acc[i][v], f32x4_mul(vb, f32x4_load(c))));
                }
        }
        return;
    }
    // Edge tile: spill the register tile, write back only the valid m x n corner.
    float tile[MR * NR];
    for (int i = 0; i < MR; ++i)
        for (int v = 0; v < NV; ++v) f32x4_store(tile + i * NR + 4 * v, f32x4_mul(va, acc[i][v]));
    for (int i = 0; i < m; ++i) {
        float* c = C + i * ldc;
        if (beta == 0.0f) {
            for (int j = 0; j < n; ++j) c[j] = tile[i * NR + j];
        } else {
            for (int j = 0; j < n; ++j) c[j] = tile[i * NR + j] + beta * c[j];
        }
    }
}

// [SECTION] Packed driver

// How a call is cut into cache blocks. A function of K (and the tile) only, never of the thread count or of
// which rows/columns a thread owns: every C element sees the same K blocks and the same micro-kernel tile,
// which is what makes threaded results bit-identical to single-threaded ones.
struct Plan {
    int k_blocks;  // K split into k_blocks blocks of kc_max (the last one may be shorter)
    int kc_max;
    int nc_blk;    // N block: multiple of NR, KC x NC of packed B fills the L2 budget
};

template <int NR>
Plan make_plan(Blocking blk, int K) {
    // Split K into equal blocks of KC/2..1.5*KC: K = 288 (conv2) stays whole rather than 256 + 32, and
    // K = 7744 becomes 30 blocks of 259.
    Plan plan;
    plan.k_blocks = std::max(1, (K + blk.kc / 2) / blk.kc);
    plan.kc_max = (K + plan.k_blocks - 1) / plan.k_blocks;
    plan.nc_blk = std::max(NR, blk.l2_floats / plan.kc_max / NR * NR);
    return plan;
}

// All of op(A), K block by K block, so threads that own different columns can share it: the block starting
// at pc begins at A_all + pc * round_up(M, MR), and its MR-row panel p a further p * kc * MR floats on.
// Writes panels [p0, p1) only (threads pack disjoint panel ranges).
template <int MR>
void pack_a_all(Trans ta, const float* A, int lda, int M, int K, const Plan& plan, int p0, int p1, float* A_all) {
    const std::size_t m_padded = std::size_t(round_up(M, MR));
    const int i0 = p0 * MR, i1 = std::min(M, p1 * MR);
    for (int pc = 0; pc < K; pc += plan.kc_max) {
        const int kc = std::min(plan.kc_max, K - pc);
        pack_a<MR>(ta, A, lda, i0, i1 - i0, pc, kc, A_all + pc * m_padded + std::size_t(p0) * kc * MR);
    }
}

// Floats of the A / B panels gemm_block packs for a block of C of `rows` / `cols`.
template <int MR>
std::size_t block_a_floats(Blocking blk, const Plan& plan, int rows) {
    return std::size_t(std::min(blk.mc, round_up(rows, MR))) * plan.kc_max;
}
template <int NR>
std::size_t block_b_floats(const Plan& plan, int cols) {
    return std::size_t(std::min(plan.nc_blk, round_up(cols, NR))) * plan.kc_max;
}

// C[i0:i1, j0:j1] of the whole product, i0 a multiple of MR and j0 of NR (so the tiles are those of a
// single-threaded call). A_all: op(A) packed by pack_a_all, or null to pack A blocks here into buf.a.
// B panels are always packed here, into buf.b.
template <int MR, int NR>
void gemm_block(GemmMicroKernel micro, Blocking blk, const Plan& plan, Trans ta, Trans tb, int M, int K,
                float alpha, const float* A, int lda, const float* A_all, const float* B, int ldb, float beta,
                float* C, int ldc, int i0, int i1, int j0, int j1, BlockBuffers& buf) {
    const std::size_t m_padded = std::size_t(round_up(M, MR));
    float* Bp = buf.b.get(block_b_floats<NR>(plan, j1 - j0));
    float* Ap = nullptr;
    // A fits one block (e.g. conv2 fwd: M = 64 filters, K = 288): pack it once instead of once per NC block.
    const bool single_a_block = !A_all && i1 - i0 <= blk.mc && plan.k_blocks == 1;
    if (!A_all) {
        Ap = buf.a.get(block_a_floats<MR>(blk, plan, i1 - i0));
        if (single_a_block) pack_a<MR>(ta, A, lda, i0, i1 - i0, 0, K, Ap);
    }

    for (int jc = j0; jc < j1; jc += plan.nc_blk) {
        const int nc = std::min(plan.nc_blk, j1 - jc);
        for (int pc = 0; pc < K; pc += plan.kc_max) {
            const int kc = std::min(plan.kc_max, K - pc);
            const float beta_block = pc == 0 ? beta : 1.0f;  // later K blocks accumulate onto C
            pack_b<NR>(tb, B, ldb, pc, kc, jc, nc, Bp);
            for (int ic = i0; ic < i1; ic += blk.mc) {
                const int mc = std::min(blk.mc, i1 - ic);
                const float* ap = Ap;
                if (A_all)
                    ap = A_all + pc * m_padded + std::size_t(ic / MR) * kc * MR;
                else if (!single_a_block)
                    pack_a<MR>(ta, A, lda, ic, mc, pc, kc, Ap);
                for (int jr = 0; jr < nc; jr += NR) {
                    const float* bp = Bp + std::size_t(jr / NR) * kc * NR;
                    const int n = std::min(NR, nc - jr);
                    for (int ir = 0; ir < mc; ir += MR) {
                        micro(kc, ap + std::size_t(ir / MR) * kc * MR, bp, alpha, beta_block,
                              C + std::size_t(ic + ir) * ldc + jc + jr, ldc, std::min(MR, mc - ir), n);
                    }
                }
            }
        }
    }
}

// Threads: only products of at least this many flops per thread are split, and a product split over N
// shares a pre-packed op(A) only up to kMaxSharedAFloats (beyond it each thread packs its own A blocks, as a
// single thread does). bench_gemm --threshold, 2 threads with a free second core: 0.6-2.4 MFLOP products
// already run 1.5-1.9x faster natively and in wasm (a polling worker picks a job up in ~0.3 us), while
// products of a tile or two (< 0.01 MFLOP) lose ~0.1 us. 0.5 MFLOP per thread keeps a margin: ~4 us of
// work per thread natively, ~10 us in wasm.
double g_min_flops_per_thread = 0.5e6;
constexpr std::size_t kMaxSharedAFloats = std::size_t(1) << 20;  // 4 MB
// Parts per thread when splitting over N: more parts than threads let a thread that got its core back
// pick up the work of one that did not (the machine is shared); each part only packs its own B panels.
constexpr int kPartsPerThreadN = 4;

template <int MR, int NR>
void gemm_packed(GemmMicroKernel micro, Blocking blk, Trans ta, Trans tb, int M, int N, int K, float alpha,
                 const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    const Plan plan = make_plan<NR>(blk, K);
    if (in_parallel_part()) {  // the caller is already parallel: a part runs single-threaded
        PartBuffers* part = part_buffers();
        gemm_block<MR, NR>(micro, blk, plan, ta, tb, M, K, alpha, A, lda, nullptr, B, ldb, beta, C, ldc, 0, M, 0, N,
                           part ? part->block : block_buffers()[std::size_t(parallel_thread_index())]);
        return;
    }
    const double flops = 2.0 * M * N * double(K);
    const int threads = g_min_flops_per_thread <= 0.0 ? num_threads()
                      : int(std::min(double(num_threads()), flops / g_min_flops_per_thread));
    const int m_panels = (M + MR - 1) / MR, n_panels = (N + NR - 1) / NR;
    std::vector<BlockBuffers>& buffers = block_buffers();
    if (threads <= 1 || (m_panels < 2 && n_panels < 2)) {
        gemm_block<MR, NR>(micro, blk, plan, ta, tb, M, K, alpha, A, lda, nullptr, B, ldb, beta, C, ldc, 0, M, 0, N,
                           buffers[std::size_t(parallel_thread_index())]);
        return;
    }
    // Split N (columns) unless it has too few NR panels for the threads and M has more MR panels: splitting
    // M makes every thread pack all of op(B), splitting N only its own columns (op(A) is shared).
    const bool split_n = n_panels >= 2 * threads || n_panels >= m_panels;
    if (split_n) {
        float* A_all = nullptr;
        if (std::size_t(round_up(M, MR)) * K <= kMaxSharedAFloats) {
            A_all = t_pack_a_all.get(std::size_t(round_up(M, MR)) * K);
            parallel_for_parts(m_panels, threads, [&](int p0, int p1) {
                pack_a_all<MR>(ta, A, lda, M, K, plan, p0, p1, A_all);
            });
        }
        const int parts = std::min(n_panels, threads * kPartsPerThreadN);
        const int widest = (n_panels + parts - 1) / parts * NR;
        for (BlockBuffers& buf : buffers) {
            buf.b.get(block_b_floats<NR>(plan, widest));
            if (!A_all) buf.a.get(block_a_floats<MR>(blk, plan, M));
        }
        parallel_for_parts(n_panels, parts, [&](int p0, int p1) {
            gemm_block<MR, NR>(micro, blk, plan, ta, tb, M, K, alpha, A, lda, A_all, B, ldb, beta, C, ldc, 0, M,
                               p0 * NR, std::min(N, p1 * NR), buffers[std::size_t(parallel_thread_index())]);
        });
    } else {  // e.g. conv2 dgrad of a single image: M = 288 rows, N = 121 columns
        const int parts = std::min(m_panels, threads);
        const int tallest = (m_panels + parts - 1) / parts * MR;
        for (BlockBuffers& buf : buffers) {
            buf.a.get(block_a_floats<MR>(blk, plan, tallest));
            buf.b.get(block_b_floats<NR>(plan, N));
        }
        parallel_for_parts(m_panels, parts, [&](int p0, int p1) {
            gemm_block<MR, NR>(micro, blk, plan, ta, tb, M, K, alpha, A, lda, nullptr, B, ldb, beta, C, ldc,
                               p0 * MR, std::min(M, p1 * MR), 0, N, buffers[std::size_t(parallel_thread_index())]);
        });
    }
}

// [SECTION] Matrix-vector paths (M == 1 or N == 1)
// A 1-row or 1-column product would waste MR-1 (or NR-1) of every micro-kernel tile and pack a whole
// matrix for a single use; these loops stream the matrix once instead.

// y[i*incy] = alpha * dot(X[i*ldx : +K], v) + beta * y[i*incy]     X: (rows, K) row-major, v: (K)
void gemv_dot(int rows, int K, const float* X, int ldx, const float* v, float alpha, float beta, float* y,
              int incy) {
    for (int i = 0; i < rows; ++i) {
        const float* x = X + std::size_t(i) * ldx;
        float sum = 0.0f;
        int k = 0;
#if CONVPAD_HAVE_F32X4
        F32x4 s0 = f32x4_zero(), s1 = f32x4_zero(), s2 = f32x4_zero(), s3 = f32x4_zero();
        for (; k + 16 <= K; k += 16) {  // 4 independent chains hide the add latency
            s0 = f32x4_mul_add(f32x4_load(x + k), f32x4_load(v + k), s0);
            s1 = f32x4_mul_add(f32x4_load(x + k + 4), f32x4_load(v + k + 4), s1);
            s2 = f32x4_mul_add(f32x4_load(x + k + 8), f32x4_load(v + k + 8), s2);
            s3 = f32x4_mul_add(f32x4_load(x + k + 12), f32x4_load(v + k + 12), s3);
        }
        for (; k + 4 <= K; k += 4) s0 = f32x4_mul_add(f32x4_load(x + k), f32x4_load(v + k), s0);
        sum = f32x4_reduce_add(f32x4_add(f32x4_add(s0, s1), f32x4_add(s2, s3)));
#endif
        for (; k < K; ++k) sum += x[k] * v[k];
        float& out = y[std::size_t(i) * incy];
        out = beta == 0.0f ? alpha * sum : alpha * sum + beta * out;
    }
}

// y[j*incy] = alpha * sum_k v[k] * X[k*ldx + j] + beta * y[j*incy]  X: (K, cols) row-major, v: (K)
void gemv_axpy(int cols, int K, const float* X, int ldx, const float* v, float alpha, float beta, float* y,
               int incy) {
    int j = 0;
    auto write = [&](int col, float sum) {
        float& out = y[std::size_t(col) * incy];
        out = beta == 0.0f ? alpha * sum : alpha * sum + beta * out;
    };
#if CONVPAD_HAVE_F32X4
    // 16 columns at a time: 4 accumulators stay in registers for the whole K loop.
    for (; j + 16 <= cols; j += 16) {
        F32x4 s0 = f32x4_zero(), s1 = f32x4_zero(), s2 = f32x4_zero(), s3 = f32x4_zero();
        for (int k = 0; k < K; ++k) {
            const float* x = X + std::size_t(k) * ldx + j;
            const F32x4 a = f32x4_load_splat(v + k);
            s0 = f32x4_mul_add(a, f32x4_load(x), s0);
            s1 = f32x4_mul_add(a, f32x4_load(x + 4), s1);
            s2 = f32x4_mul_add(a, f32x4_load(x + 8), s2);
            s3 = f32x4_mul_add(a, f32x4_load(x + 12), s3);
        }
        alignas(16) float sums[16];
        f32x4_store(sums, s0);
        f32x4_store(sums + 4, s1);
        f32x4_store(sums + 8, s2);
        f32x4_store(sums + 12, s3);
        for (int c = 0; c < 16; ++c) write(j + c, sums[c]);
    }
    for (; j + 4 <= cols; j += 4) {
        F32x4 s = f32x4_zero();
        for (int k = 0; k < K; ++k)
            s = f32x4_mul_add(f32x4_load_splat(v + k), f32x4_load(X + std::size_t(k) * ldx + j), s);
        alignas(16) float sums[4];
        f32x4_store(sums, s);
        for (int c = 0; c < 4; ++c) write(j + c, sums[c]);
    }
#endif
    for (; j < cols; ++j) {
        float sum = 0.0f;
        for (int k = 0; k < K; ++k) sum += v[k] * X[std::size_t(k) * ldx + j];
        write(j, sum);
    }
}

// Returns v[k] = src[k*inc] as a contiguous array (src itself when inc == 1).
const float* gather_vector(const float* src, int inc, int K) {
    if (inc == 1) return src;
    float* dst = vec_buffer().get(std::size_t(K));
    for (int k = 0; k < K; ++k) dst[k] = src[std::size_t(k) * inc];
    return dst;
}

void gemv_paths(Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
    if (M == 1) {  // C (1, N) = a (1, K) * op(B) (K, N)
        const float* a = gather_vector(A, ta == Trans::No ? 1 : lda, K);
        if (tb == Trans::No)
            gemv_axpy(N, K, B, ldb, a, alpha, beta, C, 1);
        else
            gemv_dot(N, K, B, ldb, a, alpha, beta, C, 1);
    } else {  // N == 1: C (M, 1) = op(A) (M, K) * b (K, 1)
        const float* b = gather_vector(B, tb == Trans::No ? ldb : 1, K);
        if (ta == Trans::No)
            gemv_dot(M, K, A, lda, b, alpha, beta, C, ldc);
        else
            gemv_axpy(M, K, A, lda, b, alpha, beta, C, ldc);
    }
}

// [SECTION] Dispatch

GemmPath detect_best_path() {
#if CONVPAD_GEMM_HAVE_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return GemmPath::Avx2Fma;
#endif
    return GemmPath::F32x4;
}

GemmPath best_path() {
    static const GemmPath path = detect_best_path();
    return path;
}

struct TileShape {
    int mr, nr;
};

TileShape tile_shape(GemmPath path) {
#if CONVPAD_GEMM_HAVE_AVX2
    if (path == GemmPath::Avx2Fma) return {kAvx2MR, kAvx2NR};
#endif
    return {kF32x4MR, kF32x4NR};
}

// Fraction of the computed MR x NR tiles that lands in an M x N result.
double tile_fill(int M, int N, TileShape t) {
    return double(M) / round_up(M, t.mr) * double(N) / round_up(N, t.nr);
}

Trans flip(Trans t) { return t == Trans::No ? Trans::Yes : Trans::No; }

// Narrow C (conv1 weight gradient 32 x 9, dense2 64 x 10): most of each NR-wide tile would be padding.
// Computing C^T = op(B)^T op(A)^T puts N on the MR side, where the padding is smaller (9 of 12 rows
// used instead of 9 of 16 columns), at the cost of one transposed copy of the small C.
bool computes_transposed(GemmPath path, int M, int N) {
    const TileShape tile = tile_shape(path);
    return N < tile.nr && tile_fill(N, M, tile) > 1.2 * tile_fill(M, N, tile);
}

template <int MR, int NR>
void reserve_block(Blocking blk, int M, int N, int K, BlockBuffers& buf) {
    const Plan plan = make_plan<NR>(blk, K);
    buf.a.get(block_a_floats<MR>(blk, plan, M));
    buf.b.get(block_b_floats<NR>(plan, N));
}

// `path` is resolved (not Auto) and available.
void run_packed(GemmPath path, Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
#if CONVPAD_GEMM_HAVE_AVX2
    if (path == GemmPath::Avx2Fma) {
        gemm_packed<kAvx2MR, kAvx2NR>(gemm_micro_avx2_6x16, kAvx2Blocking, ta, tb, M, N, K, alpha, A, lda, B,
                                      ldb, beta, C, ldc);
        return;
    }
#endif
    gemm_packed<kF32x4MR, kF32x4NR>(micro_f32x4<kF32x4MR, CONVPAD_GEMM_F32X4_NV>, kF32x4Blocking, ta, tb, M, N,
                                    K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

double sgemm_set_min_flops_per_thread(double flops) {
    const double previous = g_min_flops_per_thread;
    g_min_flops_per_thread = flops;
    return previous;
}

bool sgemm_path_available(GemmPath path) {
    switch (path) {
        case GemmPath::Auto:
        case GemmPath::F32x4: return true;
        case GemmPath::Avx2Fma: return best_path() == GemmPath::Avx2Fma;
    }
    return false;
}

const char* sgemm_path_name(GemmPath path) {
    switch (path) {
        case GemmPath::Auto: return sgemm_path_name(best_path());
        case GemmPath::F32x4: return CONVPAD_SIMD_NAME;
        case GemmPath::Avx2Fma: return "avx2-fma";
    }
    return "?";
}

void sgemm_with_path(GemmPath path, Trans ta, Trans tb, int M, int N, int K, float alpha,
                     const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    if (M <= 0 || N <= 0) return;
    assert(K >= 0 && ldc >= N && lda >= (ta == Trans::No ? K : M) && ldb >= (tb == Trans::No ? N : K));
    if (K <= 0 || alpha == 0.0f) {  // C = beta * C, and beta == 0 must not read C (it may hold NaN)
        for (int i = 0; i < M; ++i) {
            float* c = C + std::size_t(i) * ldc;
            for (int j = 0; j < N; ++j) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
        }
        return;
    }
    if (M == 1 || N == 1) {
        gemv_paths(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (path == GemmPath::Auto || !sgemm_path_available(path)) path = best_path();

    if (computes_transposed(path, M, N)) {
        float* T = swap_buffer().get(std::size_t(M) * N);  // (N, M) = alpha * op(B)^T op(A)^T
        run_packed(path, flip(tb), flip(ta), N, M, K, alpha, B, ldb, A, lda, 0.0f, T, M);
        for (int i = 0; i < M; ++i) {
            float* c = C + std::size_t(i) * ldc;
            if (beta == 0.0f) {
                for (int j = 0; j < N; ++j) c[j] = T[std::size_t(j) * M + i];
            } else {
                for (int j = 0; j < N; ++j) c[j] = T[std::size_t(j) * M + i] + beta * c[j];
            }
        }
        return;
    }
    run_packed(path, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void sgemm(Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
           int ldb, float beta, float* C, int ldc) {
    sgemm_with_path(GemmPath::Auto, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void sgemm_reserve_parts(Trans, Trans, int M, int N, int K) {
    if (in_parallel_part()) return;
    if (g_part_buffers.size() < std::size_t(num_threads())) g_part_buffers.resize(std::size_t(num_threads()));
    if (M <= 0 || N <= 0 || K <= 0) return;
    const GemmPath path = best_path();
    for (PartBuffers& part : g_part_buffers) {  // the sizes sgemm_with_path and gemm_block ask for
        if (M == 1 || N == 1) {
            part.vec.get(std::size_t(K));
            continue;
        }
        int m = M, n = N;
        if (computes_transposed(path, M, N)) {
            part.swap.get(std::size_t(M) * N);
            std::swap(m, n);
        }
#if CONVPAD_GEMM_HAVE_AVX2
        if (path == GemmPath::Avx2Fma) {
            reserve_block<kAvx2MR, kAvx2NR>(kAvx2Blocking, m, n, K, part.block);
            continue;
        }
#endif
        reserve_block<kF32x4MR, kF32x4NR>(kF32x4Blocking, m, n, K, part.block);
    }
}

const char* sgemm_backend() { return sgemm_path_name(GemmPath::Auto); }

}  // namespace convpad
