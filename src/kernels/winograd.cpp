// Winograd F(2x2, 3x3): see winograd.h for the algorithm.
//
//   for each block of whole images (about kDefaultBlockTiles tiles, so V and M stay in cache):
//     input transform   x (C, H, W) per image -> V (16, C, ldt)    4 tiles per F32x4, tiles of one tile
//                        row consecutive, the block's images one after the other (16 matrices one cache
//                        line apart, see matrix_stride)
//     16 GEMMs          M[xi] (K, T) = U[xi] (K, C) x V[xi] (C, T) with sgemm
//     output transform  M (16, K, ldt) -> y (K, out_h, out_w) per image, 4 tiles per F32x4
//
// Input transform V = B^T d B in two passes over one zero-padded input plane: for each tile row, the
// vertical pass (B^T d) combines 4 plane rows into 4 rows with contiguous vectors, and the horizontal pass
// (.. B) reads those at stride 2 (tile tx starts at column 2*tx) through f32x4_unzip, 4 tiles per vector.
// A tile row of tiles_w tiles is done in groups of 4; the lanes of the last group past tiles_w are junk
// (computed from zero padding) and land on the next tile row's first tiles, which are written afterwards,
// or in the slack at the end of a V row (ldt >= T + 3).
//
// Output transform Y = A^T M A the same way round: 16 vectors of 4 tiles in, 4 vectors (the 2x2 outputs of 4
// tiles) out, interleaved into 8 contiguous floats of each output row.
#include "kernels/winograd.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/simd.h"

namespace convpad {

namespace {

// Tiles per block: whole images, the count nearest kDefaultBlockTiles / tiles per image (at least 1).
// `bench_winograd --blocks` (64 images, ms per image, best of runs on a shared 2-core x86-64):
//   tiles per block          36     72    108    144    216    288    432    576   1152   2304
//   conv64, node (wasm)   0.076  0.063  0.068  0.063  0.063  0.064  0.064  0.064  0.064  0.067
//   conv64, native AVX2   0.039  0.033  0.031  0.030  0.031  0.029  0.029  0.029  0.029  0.032
//   dgrad64, node (wasm)  0.100  0.100  0.090  0.088  0.086  0.086  0.085  0.083  0.083  0.085
//   dgrad64, native AVX2  0.057  0.056  0.049  0.047  0.046  0.045  0.045  0.044  0.043  0.049
// (dgrad64: winograd_backward_data of conv64, 49 tiles an image.) One conv64 image (36 tiles) leaves sgemm too
// little work per call to amortise packing U[xi]; beyond ~300 tiles the gain is within noise while V and M
// (16 * (C + K) * tiles floats: 1.8 MB at 288 tiles for conv64 or dgrad64) outgrow L2. conv32 (169 tiles an
// image, C = 1) is flat.
constexpr int kDefaultBlockTiles = 288;
int g_block_tiles = kDefaultBlockTiles;

int round_up(int x, int multiple) { return (x + multiple - 1) / multiple * multiple; }

struct TileGeometry {
    int tiles_h, tiles_w, tiles;  // tiles of one image
    int groups_w;                 // groups of 4 tiles per tile row
    int plane_h, plane_w;         // zero-padded input plane: plane_w a multiple of 4 (vertical pass)
};

TileGeometry tile_geometry(const ConvGeometry& g) {
    TileGeometry t;
    t.tiles_h = (g.out_h + 1) / 2;
    t.tiles_w = (g.out_w + 1) / 2;
    t.tiles = t.tiles_h * t.tiles_w;
    t.groups_w = (t.tiles_w + 3) / 4;
    t.plane_h = 2 * t.tiles_h + 2;
    // The horizontal pass of the last group reads columns up to 8 * groups_w + 1.
    t.plane_w = round_up(8 * t.groups_w + 2, 4);
    return t;
}

// Row stride of V and M for a block of `tiles` tiles: room for the junk lanes of the last group, and never a
// multiple of 64 floats (3 conv32 images, 507 tiles, had rows 2 KB apart and ran 1.4x slower natively).
int block_stride(int tiles) {
    const int ldt = round_up(tiles + 3, 4);
    return ldt % 64 == 0 ? ldt + 4 : ldt;
}

// Distance between the 16 matrices V[xi] (rows = C) or M[xi] (rows = K): one cache line more than the matrix,
// so the 16 streams the transforms read or write side by side never sit a multiple of 4 KB apart. Without it
// 3 conv32 images (ldt 512, K 32: M[xi] exactly 64 KB apart) ran 1.7x slower in both builds (L1 set conflicts).
std::size_t matrix_stride(int rows, int ldt) { return std::size_t(rows) * ldt + 16; }

int block_images_for(const TileGeometry& t) { return std::max(1, (g_block_tiles + t.tiles / 2) / t.tiles); }

template <class T>
void grow(std::vector<T>& v, std::size_t size, long& grows) {
    if (v.size() < size) {
        v.resize(size);
        ++grows;
    }
}

// (a0 a1 a2 a3), (b0 b1 b2 b3) -> (a0 b0 a1 b1), (a2 b2 a3 b3): unzipping twice interleaves.
inline void f32x4_zip(F32x4 a, F32x4 b, F32x4& lo, F32x4& hi) {
    F32x4 even, odd;
    f32x4_unzip(a, b, even, odd);   // (a0 a2 b0 b2), (a1 a3 b1 b3)
    f32x4_unzip(even, odd, lo, hi);  // (a0 b0 a1 b1), (a2 b2 a3 b3)
}

// [SECTION] Input transform

// One input plane (H, W) -> the interior of plane (plane_h, plane_w): plane[r][c] = x[r - pad_top][c - pad_left].
// The margins are zeroed once per call (zero_plane) and never written here, so every plane of a call reuses
// them. Rows are copied with vectors, the last 4 floats as one overlapping vector: memcpy of 13 floats is a
// call into wasm code under V8, several times slower (see im2col.cpp).
void zero_plane(const TileGeometry& t, float* plane) {
    std::memset(plane, 0, sizeof(float) * std::size_t(t.plane_h) * t.plane_w);
}

void copy_plane(const ConvGeometry& g, const TileGeometry& t, const float* x, float* plane) {
    const int r1 = std::min(t.plane_h, g.pad_top + g.height);
    const int cols = std::min(t.plane_w - g.pad_left, g.width);
    for (int r = g.pad_top; r < r1; ++r) {
        const float* src = x + std::size_t(r - g.pad_top) * g.width;
        float* dst = plane + std::size_t(r) * t.plane_w + g.pad_left;
        if (cols >= 4) {
            for (int i = 0; i + 4 < cols; i += 4) f32x4_store(dst + i, f32x4_load(src + i));
            f32x4_store(dst + cols - 4, f32x4_load(src + cols - 4));
        } else {
            for (int i = 0; i < cols; ++i) dst[i] = src[i];
        }
    }
}

// Tiles of one channel of one image: V[xi * C * ldt + t0 + ty * tiles_w + tx], xi = 4 * i + j.
// Scalar equivalent per tile, d = plane rows 2ty.., columns 2tx..:
//   e[0] = d[0] - d[2]   e[1] = d[1] + d[2]   e[2] = d[2] - d[1]   e[3] = d[1] - d[3]     (rows, B^T d)
//   V[i][0] = e[i][0] - e[i][2]   V[i][1] = e[i][1] + e[i][2]
//   V[i][2] = e[i][2] - e[i][1]   V[i][3] = e[i][1] - e[i][3]                            (columns, .. B)
void input_transform_plane(const TileGeometry& t, const float* plane, float* rows, float* V, std::size_t xi_stride) {
    const int w = t.plane_w;
    float* e0 = rows;
    float* e1 = rows + w;
    float* e2 = rows + 2 * w;
    float* e3 = rows + 3 * w;
    for (int ty = 0; ty < t.tiles_h; ++ty) {
        const float* d0 = plane + std::size_t(2 * ty) * w;
        const float* d1 = d0 + w;
        const float* d2 = d1 + w;
        const float* d3 = d2 + w;
#if CONVPAD_HAVE_F32X4
        for (int c = 0; c < w; c += 4) {
            const F32x4 r0 = f32x4_load(d0 + c), r1 = f32x4_load(d1 + c);
            const F32x4 r2 = f32x4_load(d2 + c), r3 = f32x4_load(d3 + c);
            f32x4_store(e0 + c, f32x4_sub(r0, r2));
            f32x4_store(e1 + c, f32x4_add(r1, r2));
            f32x4_store(e2 + c, f32x4_sub(r2, r1));
            f32x4_store(e3 + c, f32x4_sub(r1, r3));
        }
#else
        for (int c = 0; c < w; ++c) {
            e0[c] = d0[c] - d2[c];
            e1[c] = d1[c] + d2[c];
            e2[c] = d2[c] - d1[c];
            e3[c] = d1[c] - d3[c];
        }
#endif
        float* v_row = V + std::size_t(ty) * t.tiles_w;
        for (int gx = 0; gx < t.groups_w; ++gx) {
            const int col = 8 * gx;
            float* v = v_row + 4 * gx;
            const float* e[4] = {e0, e1, e2, e3};
            for (int i = 0; i < 4; ++i) {
                const float* r = e[i] + col;
                F32x4 c0, c1, c2, c3;  // column j of the 4 tiles' d (rows already transformed)
                f32x4_unzip(f32x4_load(r), f32x4_load(r + 4), c0, c1);
                f32x4_unzip(f32x4_load(r + 2), f32x4_load(r + 6), c2, c3);
                f32x4_store(v + (4 * i + 0) * xi_stride, f32x4_sub(c0, c2));
                f32x4_store(v + (4 * i + 1) * xi_stride, f32x4_add(c1, c2));
                f32x4_store(v + (4 * i + 2) * xi_stride, f32x4_sub(c2, c1));
                f32x4_store(v + (4 * i + 3) * xi_stride, f32x4_sub(c1, c3));
            }
        }
    }
}

// [SECTION] Output transform

// Interleaves the left (a) and right (b) outputs of 4 tiles into 8 consecutive outputs of a row, of which
// the first `valid` are stored (a row that ends early goes through a small buffer).
void store_row_pairs(F32x4 a, F32x4 b, int valid, float* out) {
    F32x4 lo, hi;
    f32x4_zip(a, b, lo, hi);
    if (valid == 8) {
        f32x4_store(out, lo);
        f32x4_store(out + 4, hi);
        return;
    }
    alignas(16) float tmp[8];
    f32x4_store(tmp, lo);
    f32x4_store(tmp + 4, hi);
    for (int i = 0; i < valid; ++i) out[i] = tmp[i];
}

// One filter of one image: M[xi * K * ldt + t0 + ty * tiles_w + tx] -> y (out_h, out_w).
// Scalar equivalent per tile (m[i][j] = M at xi = 4 * i + j):
//   s[j] = m[0][j] + m[1][j] + m[2][j]      r[j] = m[1][j] - m[2][j] - m[3][j]        (rows, A^T M)
//   y[0][0] = s[0] + s[1] + s[2]   y[0][1] = s[1] - s[2] - s[3]
//   y[1][0] = r[0] + r[1] + r[2]   y[1][1] = r[1] - r[2] - r[3]                      (columns, .. A)
void output_transform_plane(const ConvGeometry& g, const TileGeometry& t, const float* M, std::size_t xi_stride,
                            float* y) {
    for (int ty = 0; ty < t.tiles_h; ++ty) {
        const float* m_row = M + std::size_t(ty) * t.tiles_w;
        const int oy = 2 * ty;
        float* y0 = y + std::size_t(oy) * g.out_w;
        float* y1 = oy + 1 < g.out_h ? y0 + g.out_w : nullptr;
        for (int gx = 0; gx < t.groups_w; ++gx) {
            const float* m = m_row + 4 * gx;
            F32x4 s[4], r[4];
            for (int j = 0; j < 4; ++j) {
                const F32x4 m0 = f32x4_load(m + (0 + j) * xi_stride), m1 = f32x4_load(m + (4 + j) * xi_stride);
                const F32x4 m2 = f32x4_load(m + (8 + j) * xi_stride), m3 = f32x4_load(m + (12 + j) * xi_stride);
                s[j] = f32x4_add(f32x4_add(m0, m1), m2);
                r[j] = f32x4_sub(f32x4_sub(m1, m2), m3);
            }
            const F32x4 y00 = f32x4_add(f32x4_add(s[0], s[1]), s[2]);
            const F32x4 y01 = f32x4_sub(f32x4_sub(s[1], s[2]), s[3]);
            const F32x4 y10 = f32x4_add(f32x4_add(r[0], r[1]), r[2]);
            const F32x4 y11 = f32x4_sub(f32x4_sub(r[1], r[2]), r[3]);
            const int ox = 8 * gx, valid = std::min(8, g.out_w - ox);
            store_row_pairs(y00, y01, valid, y0 + ox);
            if (y1) store_row_pairs(y10, y11, valid, y1 + ox);
        }
    }
}

// [SECTION] Filter transform

// g (3x3, row stride `row`, column stride `col`) -> u (4x4) = G g G^T, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
void transform_filter(const float* g, int row, int col, float* u) {
    float t[4][3];  // G g
    for (int j = 0; j < 3; ++j) {
        const float a = g[0 * row + j * col], b = g[1 * row + j * col], c = g[2 * row + j * col];
        t[0][j] = a;
        t[1][j] = 0.5f * (a + b + c);
        t[2][j] = 0.5f * (a - b + c);
        t[3][j] = c;
    }
    for (int i = 0; i < 4; ++i) {
        const float a = t[i][0], b = t[i][1], c = t[i][2];
        u[4 * i + 0] = a;
        u[4 * i + 1] = 0.5f * (a + b + c);
        u[4 * i + 2] = 0.5f * (a - b + c);
        u[4 * i + 3] = c;
    }
}

}  // namespace

bool winograd_applies(const ConvGeometry& g) {
    return g.kernel_h == 3 && g.kernel_w == 3 && g.channels >= 1 && g.height >= 1 && g.width >= 1 &&
           g.out_h >= 1 && g.out_w >= 1 && g.pad_top >= 0 && g.pad_top <= 2 && g.pad_left >= 0 &&
           g.pad_left <= 2 && g.out_h + 2 - g.pad_top <= g.height + 2 && g.out_w + 2 - g.pad_left <= g.width + 2;
}

void winograd_transform_filters(const float* weight, int K, int C, float* U) {
    const std::size_t xi_stride = std::size_t(K) * C;
    for (int k = 0; k < K; ++k)
        for (int c = 0; c < C; ++c) {
            float u[16];
            transform_filter(weight + (std::size_t(k) * C + c) * 9, 3, 1, u);
            for (int xi = 0; xi < 16; ++xi) U[xi * xi_stride + std::size_t(k) * C + c] = u[xi];
        }
}

int winograd_block_images(const ConvGeometry& g, int K) { return block_images_for(tile_geometry(g)); }

int winograd_set_block_tiles(int tiles) {
    const int previous = g_block_tiles;
    g_block_tiles = tiles > 0 ? tiles : kDefaultBlockTiles;
    return previous;
}

namespace {
// Sized for a full block whatever n is, so a later call with more images does not grow them.
void grow_scratch(const ConvGeometry& g, const TileGeometry& t, int K, WinogradScratch& s) {
    const int ldt_max = block_stride(block_images_for(t) * t.tiles);
    grow(s.V, 16 * matrix_stride(g.channels, ldt_max), s.grows);
    grow(s.M, 16 * matrix_stride(K, ldt_max), s.grows);
    grow(s.plane, std::size_t(t.plane_h) * t.plane_w, s.grows);
    grow(s.rows, std::size_t(4) * t.plane_w, s.grows);
}

// V (16 x (C, ldt)) of a block of nb images: tile j of image img in column img * tiles + j. s.plane's margins
// must be zero (zero_plane once per call).
void transform_input_block(const ConvGeometry& g, const TileGeometry& t, const float* x, int nb, int ldt,
                           WinogradScratch& s) {
    const int C = g.channels;
    const std::size_t in_size = std::size_t(C) * g.height * g.width, v_xi = matrix_stride(C, ldt);
    for (int img = 0; img < nb; ++img)
        for (int c = 0; c < C; ++c) {
            copy_plane(g, t, x + img * in_size + std::size_t(c) * g.height * g.width, s.plane.data());
            input_transform_plane(t, s.plane.data(), s.rows.data(),
                                  s.V.data() + std::size_t(c) * ldt + std::size_t(img) * t.tiles, v_xi);
        }
}
}  // namespace

std::size_t winograd_scratch_floats(const ConvGeometry& g, int K) {
    const TileGeometry t = tile_geometry(g);
    const int ldt_max = block_stride(block_images_for(t) * t.tiles);
    return 16 * (matrix_stride(g.channels, ldt_max) + matrix_stride(K, ldt_max)) + std::size_t(t.plane_h + 4) * t.plane_w;
}

void winograd_reserve_parts(const ConvGeometry& g, int K, std::vector<WinogradScratch>& scratch) {
    const TileGeometry t = tile_geometry(g);
    if (scratch.size() < std::size_t(num_threads())) scratch.resize(std::size_t(num_threads()));
    for (WinogradScratch& s : scratch) grow_scratch(g, t, K, s);
    sgemm_reserve_parts(Trans::No, Trans::No, K, std::max(block_images_for(t) * t.tiles, 2), g.channels);
}

void winograd_forward(const ConvGeometry& g, int K, const float* U, const float* x, int n, float* y,
                      WinogradScratch& s) {
    assert(winograd_applies(g));
    if (n <= 0 || K <= 0) return;
    const TileGeometry t = tile_geometry(g);
    const int C = g.channels;
    const std::size_t in_size = std::size_t(C) * g.height * g.width, out_plane = std::size_t(g.out_h) * g.out_w;
    const int block = block_images_for(t);
    grow_scratch(g, t, K, s);

    zero_plane(t, s.plane.data());
    for (int i0 = 0; i0 < n; i0 += block) {
        const int nb = std::min(block, n - i0);
        const int tiles = nb * t.tiles;
        const int ldt = block_stride(tiles);
        const std::size_t v_xi = matrix_stride(C, ldt), m_xi = matrix_stride(K, ldt);

        transform_input_block(g, t, x + i0 * in_size, nb, ldt, s);

        // N >= 2 even for a single tile (the junk column next to it is there): sgemm sends N == 1 to a
        // matrix-vector loop that sums in another order, and results must not depend on the grouping.
        const int N = std::max(tiles, 2);
        for (int xi = 0; xi < 16; ++xi)
            sgemm(Trans::No, Trans::No, K, N, C, 1.0f, U + xi * std::size_t(K) * C, C, s.V.data() + xi * v_xi, ldt,
                  0.0f, s.M.data() + xi * m_xi, ldt);

        for (int img = 0; img < nb; ++img)
            for (int k = 0; k < K; ++k)
                output_transform_plane(g, t, s.M.data() + std::size_t(k) * ldt + std::size_t(img) * t.tiles, m_xi,
                                       y + (std::size_t(i0 + img) * K + k) * out_plane);
    }
}

// [SECTION] Reference

namespace {
// V (C, 16) = B^T d B in double for every channel of tile (ty, tx) of image img, d read from x with zero padding.
void reference_input_tiles(const ConvGeometry& g, const float* x, int img, int ty, int tx, double* V) {
    static const double BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
    const int C = g.channels;
    for (int c = 0; c < C; ++c) {
        double d[4][4];
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
                const int iy = 2 * ty + i - g.pad_top, ix = 2 * tx + j - g.pad_left;
                const bool inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width;
                d[i][j] = inside ? x[((std::size_t(img) * C + c) * g.height + iy) * g.width + ix] : 0.0;
            }
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
                double sum = 0.0;  // (B^T d B)[i][j]
                for (int a = 0; a < 4; ++a)
                    for (int b = 0; b < 4; ++b) sum += BT[i][a] * d[a][b] * BT[j][b];
                V[std::size_t(c) * 16 + i * 4 + j] = sum;
            }
    }
}
}  // namespace

void winograd_forward_reference(const ConvGeometry& g, int K, const float* weight, const float* x, int n,
                                float* y) {
    static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    static const double AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
    const int C = g.channels, tiles_h = (g.out_h + 1) / 2, tiles_w = (g.out_w + 1) / 2;
    std::vector<double> U(std::size_t(K) * C * 16);
    for (int k = 0; k < K; ++k)
        for (int c = 0; c < C; ++c) {
            const float* w = weight + (std::size_t(k) * C + c) * 9;
            double* u = &U[(std::size_t(k) * C + c) * 16];
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j) {
                    double sum = 0.0;  // (G w G^T)[i][j]
                    for (int a = 0; a < 3; ++a)
                        for (int b = 0; b < 3; ++b) sum += G[i][a] * double(w[a * 3 + b]) * G[j][b];
                    u[i * 4 + j] = sum;
                }
        }
    std::vector<double> V(std::size_t(C) * 16);
    for (int img = 0; img < n; ++img)
        for (int ty = 0; ty < tiles_h; ++ty)
            for (int tx = 0; tx < tiles_w; ++tx) {
                reference_input_tiles(g, x, img, ty, tx, V.data());
                for (int k = 0; k < K; ++k) {
                    double m[16] = {};
                    for (int c = 0; c < C; ++c)
                        for (int xi = 0; xi < 16; ++xi)
                            m[xi] += U[(std::size_t(k) * C + c) * 16 + xi] * V[std::size_t(c) * 16 + xi];
                    for (int i = 0; i < 2; ++i)
                        for (int j = 0; j < 2; ++j) {
                            const int oy = 2 * ty + i, ox = 2 * tx + j;
                            if (oy >= g.out_h || ox >= g.out_w) continue;
                            double sum = 0.0;  // (A^T m A)[i][j]
                            for (int a = 0; a < 4; ++a)
                                for (int b = 0; b < 4; ++b) sum += AT[i][a] * m[a * 4 + b] * AT[j][b];
                            y[((std::size_t(img) * K + k) * g.out_h + oy) * g.out_w + ox] = float(sum);
                        }
                }
            }
}

// [SECTION] Backward with respect to the input

void winograd_transform_filters_backward_data(const float* weight, int K, int C, float* Ub) {
    // Filter (c, k) of the backward convolution is w[k][c] rotated by 180 degrees: start at its last tap
    // and walk backwards (row stride -3, column stride -1).
    const std::size_t xi_stride = std::size_t(C) * K;
    for (int c = 0; c < C; ++c)
        for (int k = 0; k < K; ++k) {
            float u[16];
            transform_filter(weight + (std::size_t(k) * C + c) * 9 + 8, -3, -1, u);
            for (int xi = 0; xi < 16; ++xi) Ub[xi * xi_stride + std::size_t(c) * K + k] = u[xi];
        }
}

ConvGeometry winograd_backward_data_geometry(const ConvGeometry& g, int K) {
    return {K, g.out_h, g.out_w, 3, 3, 2 - g.pad_top, 2 - g.pad_left, g.height, g.width};
}

void winograd_backward_data(const ConvGeometry& g, int K, const float* Ub, const float* dy, int n, float* dx,
                            WinogradScratch& scratch) {
    winograd_forward(winograd_backward_data_geometry(g, K), g.channels, Ub, dy, n, dx, scratch);
}

// [SECTION] Backward with respect to the weights

namespace {

// dy's plane: out_w columns padded with zeros to 8 * groups_w (the groups of 4 tiles read 8 columns each),
// 2 * tiles_h rows (an odd out_h gets a zero row).
int dy_plane_width(const TileGeometry& t) { return 8 * t.groups_w; }

void copy_dy_plane(const ConvGeometry& g, const TileGeometry& t, const float* dy, float* plane) {
    const int w = dy_plane_width(t), cols = g.out_w;
    for (int r = 0; r < g.out_h; ++r) {
        const float* src = dy + std::size_t(r) * cols;
        float* dst = plane + std::size_t(r) * w;
        if (cols >= 4) {
            for (int i = 0; i + 4 < cols; i += 4) f32x4_store(dst + i, f32x4_load(src + i));
            f32x4_store(dst + cols - 4, f32x4_load(src + cols - 4));
        } else {
            for (int i = 0; i < cols; ++i) dst[i] = src[i];
        }
    }
}

// Tiles of one filter's dy of one image, W = A e A^T: W[xi * xi_stride + ty * tiles_w + tx], xi = 4 * i + j.
// Scalar equivalent per tile (e = the 2x2 dy block):
//   r[0] = e[0]   r[1] = e[0] + e[1]   r[2] = e[0] - e[1]   r[3] = -e[1]                  (rows, A e)
//   W[i][0] = r[i][0]   W[i][1] = r[i][0] + r[i][1]   W[i][2] = r[i][0] - r[i][1]   W[i][3] = -r[i][1]
// Junk lanes past tiles_w land as in input_transform_plane.
void gradient_transform_plane(const TileGeometry& t, const float* plane, float* W, std::size_t xi_stride) {
    const int w = dy_plane_width(t);
    const F32x4 zero = f32x4_zero();
    for (int ty = 0; ty < t.tiles_h; ++ty) {
        const float* e0 = plane + std::size_t(2 * ty) * w;
        const float* e1 = e0 + w;
        float* w_row = W + std::size_t(ty) * t.tiles_w;
        for (int gx = 0; gx < t.groups_w; ++gx) {
            F32x4 a0, a1, b0, b1;  // e[0][0], e[0][1], e[1][0], e[1][1] of 4 tiles
            f32x4_unzip(f32x4_load(e0 + 8 * gx), f32x4_load(e0 + 8 * gx + 4), a0, a1);
            f32x4_unzip(f32x4_load(e1 + 8 * gx), f32x4_load(e1 + 8 * gx + 4), b0, b1);
            const F32x4 r[4][2] = {{a0, a1},
                                   {f32x4_add(a0, b0), f32x4_add(a1, b1)},
                                   {f32x4_sub(a0, b0), f32x4_sub(a1, b1)},
                                   {f32x4_sub(zero, b0), f32x4_sub(zero, b1)}};
            float* out = w_row + 4 * gx;
            for (int i = 0; i < 4; ++i) {
                const F32x4 p = r[i][0], q = r[i][1];
                f32x4_store(out + (4 * i + 0) * xi_stride, p);
                f32x4_store(out + (4 * i + 1) * xi_stride, f32x4_add(p, q));
                f32x4_store(out + (4 * i + 2) * xi_stride, f32x4_sub(p, q));
                f32x4_store(out + (4 * i + 3) * xi_stride, f32x4_sub(zero, q));
            }
        }
    }
}

// S (16, K, C) -> dweight (K, C, 3, 3) = G^T S G per (k, c), G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1].
void filter_gradient_output(const float* S, int K, int C, float* dweight) {
    const std::size_t xi_stride = std::size_t(K) * C;
    for (std::size_t kc = 0; kc < xi_stride; ++kc) {
        float t[3][4];  // G^T S
        for (int j = 0; j < 4; ++j) {
            const float s0 = S[(0 + j) * xi_stride + kc], s1 = S[(4 + j) * xi_stride + kc];
            const float s2 = S[(8 + j) * xi_stride + kc], s3 = S[(12 + j) * xi_stride + kc];
            t[0][j] = s0 + 0.5f * (s1 + s2);
            t[1][j] = 0.5f * (s1 - s2);
            t[2][j] = 0.5f * (s1 + s2) + s3;
        }
        float* d = dweight + kc * 9;
        for (int i = 0; i < 3; ++i) {
            d[3 * i + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
            d[3 * i + 1] = 0.5f * (t[i][1] - t[i][2]);
            d[3 * i + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
        }
    }
}

void grow_filter_scratch(const ConvGeometry& g, const TileGeometry& t, int K, WinogradScratch& s) {
    grow_scratch(g, t, K, s);
    grow(s.dy_plane, std::size_t(2 * t.tiles_h) * dy_plane_width(t), s.grows);
    grow(s.sums, std::size_t(16) * K * g.channels, s.grows);
}

}  // namespace

std::size_t winograd_filter_gradient_floats(const ConvGeometry& g, int K) {
    const TileGeometry t = tile_geometry(g);
    return std::size_t(2 * t.tiles_h) * dy_plane_width(t) + std::size_t(16) * K * g.channels;
}

void winograd_reserve_filter_parts(const ConvGeometry& g, int K, std::vector<WinogradScratch>& scratch) {
    const TileGeometry t = tile_geometry(g);
    if (scratch.size() < std::size_t(num_threads())) scratch.resize(std::size_t(num_threads()));
    for (WinogradScratch& s : scratch) grow_filter_scratch(g, t, K, s);
    sgemm_reserve_parts(Trans::No, Trans::Yes, K, g.channels, block_images_for(t) * t.tiles);
}

void winograd_backward_filter(const ConvGeometry& g, int K, const float* x, const float* dy, int n, float* dweight,
                              WinogradScratch& s) {
    assert(winograd_applies(g));
    const int C = g.channels;
    if (K <= 0) return;
    if (n <= 0) {
        std::fill(dweight, dweight + std::size_t(K) * C * 9, 0.0f);
        return;
    }
    const TileGeometry t = tile_geometry(g);
    const std::size_t in_size = std::size_t(C) * g.height * g.width, out_plane = std::size_t(g.out_h) * g.out_w;
    const std::size_t s_xi = std::size_t(K) * C;
    const int block = block_images_for(t);
    grow_filter_scratch(g, t, K, s);

    zero_plane(t, s.plane.data());
    std::fill(s.dy_plane.begin(), s.dy_plane.end(), 0.0f);
    for (int i0 = 0; i0 < n; i0 += block) {
        const int nb = std::min(block, n - i0);
        const int tiles = nb * t.tiles;
        const int ldt = block_stride(tiles);
        const std::size_t w_xi = matrix_stride(K, ldt);

        transform_input_block(g, t, x + i0 * in_size, nb, ldt, s);
        for (int img = 0; img < nb; ++img)
            for (int k = 0; k < K; ++k) {
                copy_dy_plane(g, t, dy + (std::size_t(i0 + img) * K + k) * out_plane, s.dy_plane.data());
                gradient_transform_plane(t, s.dy_plane.data(), s.M.data() + std::size_t(k) * ldt + std::size_t(img) * t.tiles,
                                         w_xi);
            }
        const std::size_t v_xi = matrix_stride(C, ldt);
        for (int xi = 0; xi < 16; ++xi)
            sgemm(Trans::No, Trans::Yes, K, C, tiles, 1.0f, s.M.data() + xi * w_xi, ldt, s.V.data() + xi * v_xi, ldt,
                  i0 == 0 ? 0.0f : 1.0f, s.sums.data() + xi * s_xi, C);
    }
    filter_gradient_output(s.sums.data(), K, C, dweight);
}

void winograd_backward_filter_reference(const ConvGeometry& g, int K, const float* x, const float* dy, int n,
                                        float* dweight) {
    static const double GT[3][4] = {{1, 0.5, 0.5, 0}, {0, 0.5, -0.5, 0}, {0, 0.5, 0.5, 1}};
    static const double A[4][2] = {{1, 0}, {1, 1}, {1, -1}, {0, -1}};
    const int C = g.channels, tiles_h = (g.out_h + 1) / 2, tiles_w = (g.out_w + 1) / 2;
    std::vector<double> S(std::size_t(K) * C * 16, 0.0);
    std::vector<double> V(std::size_t(C) * 16), W(std::size_t(K) * 16);
    for (int img = 0; img < n; ++img)
        for (int ty = 0; ty < tiles_h; ++ty)
            for (int tx = 0; tx < tiles_w; ++tx) {
                reference_input_tiles(g, x, img, ty, tx, V.data());
                for (int k = 0; k < K; ++k) {
                    double e[2][2];
                    for (int i = 0; i < 2; ++i)
                        for (int j = 0; j < 2; ++j) {
                            const int oy = 2 * ty + i, ox = 2 * tx + j;
                            const bool inside = oy < g.out_h && ox < g.out_w;
                            e[i][j] = inside ? dy[((std::size_t(img) * K + k) * g.out_h + oy) * g.out_w + ox] : 0.0;
                        }
                    for (int i = 0; i < 4; ++i)
                        for (int j = 0; j < 4; ++j) {
                            double sum = 0.0;  // (A e A^T)[i][j]
                            for (int a = 0; a < 2; ++a)
                                for (int b = 0; b < 2; ++b) sum += A[i][a] * e[a][b] * A[j][b];
                            W[std::size_t(k) * 16 + i * 4 + j] = sum;
                        }
                }
                for (int k = 0; k < K; ++k)
                    for (int c = 0; c < C; ++c)
                        for (int xi = 0; xi < 16; ++xi)
                            S[(std::size_t(k) * C + c) * 16 + xi] += W[std::size_t(k) * 16 + xi] * V[std::size_t(c) * 16 + xi];
            }
    for (int k = 0; k < K; ++k)
        for (int c = 0; c < C; ++c)
            for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) {
                    double sum = 0.0;  // (G^T S G)[a][b]
                    for (int i = 0; i < 4; ++i)
                        for (int j = 0; j < 4; ++j) sum += GT[a][i] * S[(std::size_t(k) * C + c) * 16 + i * 4 + j] * GT[b][j];
                    dweight[(std::size_t(k) * C + c) * 9 + a * 3 + b] = float(sum);
                }
}

}  // namespace convpad
