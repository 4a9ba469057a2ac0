// Picture decoding (PNG through stb_image, binary PGM/PPM by hand) and the MNIST-style 28x28 preprocessing.
// preprocess_to_28x28 also runs on every stroke of the browser drawing pad, so it makes a few linear
// passes over the picture and nothing more (a 280x280 canvas: ~0.03 ms native, ~0.09 ms wasm).
#include "data/image.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "data/idx.h"  // DataError, read_file_bytes

// Only this TU sees stb_image, with static linkage so it cannot clash with another copy elsewhere.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG              // PNM is read by hand below
#define STBI_NO_STDIO              // files go through read_file_bytes, which reports errors our way
#define STBI_MAX_DIMENSIONS 8192   // stb's own guard too, checked while it reads the PNG header
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace convpad {

namespace {

constexpr int kMaxImageSide = 8192;
constexpr int kFrame = 28;

[[noreturn]] void fail(const std::string& what, const std::string& problem) {
    throw DataError("'" + what + "': " + problem);
}

// NaN and out-of-range values from a JS caller become valid intensities instead of poisoning sums.
float clamp01(float v) { return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; }

// [SECTION] PNM (binary PGM/PPM), read by hand
// stb_image 2.27 (Debian's) is unfit for PNM from outside: its header parser overflows int, it ignores
// maxval (a maxval-15 file comes out black), reads 16-bit samples in the wrong byte order and returns
// uninitialised memory for a truncated raster. The format is simple enough to read ourselves.

bool is_pnm(const std::uint8_t* data, std::size_t size) {
    return size >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '6');
}

GrayImage decode_pnm(const std::uint8_t* data, std::size_t size, const std::string& what) {
    const int channels = data[1] == '6' ? 3 : 1;
    std::size_t pos = 2;
    auto skip_space_and_comments = [&] {
        while (pos < size) {
            if (data[pos] == '#') {
                while (pos < size && data[pos] != '\n' && data[pos] != '\r') ++pos;
            } else if (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\n' || data[pos] == '\r' ||
                       data[pos] == '\v' || data[pos] == '\f') {
                ++pos;
            } else {
                break;
            }
        }
    };
    auto read_number = [&](const char* field) {
        skip_space_and_comments();
        long value = 0;
        int digits = 0;
        for (; pos < size && data[pos] >= '0' && data[pos] <= '9'; ++pos, ++digits) {
            if (digits == 9) fail(what, std::string("bad PNM header: ") + field + " has too many digits");
            value = value * 10 + (data[pos] - '0');
        }
        if (digits == 0) fail(what, std::string("bad PNM header: ") + field + " is missing");
        return int(value);
    };
    const int width = read_number("width");
    const int height = read_number("height");
    const int maxval = read_number("maxval");
    if (width == 0 || height == 0)
        fail(what, "image is " + std::to_string(width) + "x" + std::to_string(height) + ": no pixels");
    if (width > kMaxImageSide || height > kMaxImageSide)
        fail(what, "image is " + std::to_string(width) + "x" + std::to_string(height) + ", larger than the " +
                       std::to_string(kMaxImageSide) + "x" + std::to_string(kMaxImageSide) + " limit");
    if (maxval < 1 || maxval > 65535)
        fail(what, "bad PNM header: maxval " + std::to_string(maxval) + " is not in 1..65535");
    if (pos >= size) fail(what, "truncated PNM: no pixel data after the header");
    ++pos;  // the single whitespace byte that ends the header

    const int sample_bytes = maxval > 255 ? 2 : 1;  // 16-bit samples are big-endian
    const std::size_t samples = std::size_t(width) * std::size_t(height) * std::size_t(channels);
    if (size - pos < samples * sample_bytes)
        fail(what, "truncated PNM: expected " + std::to_string(samples * sample_bytes) +
                       " bytes of pixels, file has " + std::to_string(size - pos));

    GrayImage img;
    img.width = width;
    img.height = height;
    img.pixels.resize(std::size_t(width) * height);
    const std::uint8_t* raster = data + pos;
    const float inv = 1.0f / float(maxval);
    auto sample = [&](std::size_t i) {
        unsigned v = sample_bytes == 2 ? unsigned(raster[2 * i]) << 8 | raster[2 * i + 1] : raster[i];
        return clamp01(float(v) * inv);  // samples above maxval are malformed; treat them as full scale
    };
    for (std::size_t i = 0; i < img.pixels.size(); ++i)
        img.pixels[i] = channels == 1 ? sample(i)
                                      : clamp01(0.299f * sample(3 * i) + 0.587f * sample(3 * i + 1) +
                                                0.114f * sample(3 * i + 2));
    return img;
}

// [SECTION] PNG, through stb_image

bool is_png(const std::uint8_t* data, std::size_t size) {
    static const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return size >= 8 && std::equal(signature, signature + 8, data);
}

GrayImage decode_png(const std::uint8_t* data, std::size_t size, const std::string& what) {
    if (size > std::size_t(INT_MAX)) fail(what, "cannot decode image: file is larger than 2 GiB");
    auto be32 = [&](std::size_t at) {
        return std::uint32_t(data[at]) << 24 | std::uint32_t(data[at + 1]) << 16 | std::uint32_t(data[at + 2]) << 8 |
               data[at + 3];
    };
    // IHDR must come first: width and height are the big-endian words at bytes 16 and 20. Checked here
    // so the error names the size and the limit (stb's own check only says "too large").
    if (size >= 24) {
        std::uint32_t width = be32(16), height = be32(20);
        if (width > std::uint32_t(kMaxImageSide) || height > std::uint32_t(kMaxImageSide))
            fail(what, "image is " + std::to_string(width) + "x" + std::to_string(height) + ", larger than the " +
                           std::to_string(kMaxImageSide) + "x" + std::to_string(kMaxImageSide) + " limit");
    }
    // Every chunk (length, type, data, CRC) must fit in the file: stb grows its IDAT buffer to the
    // declared length before reading, so one forged length makes a 70-byte file allocate gigabytes.
    for (std::size_t pos = 8; pos + 8 <= size;) {
        const std::uint32_t length = be32(pos);
        const std::string type(reinterpret_cast<const char*>(data + pos + 4), 4);
        if (size - pos < 12 || length > size - pos - 12)
            fail(what, "corrupt PNG: chunk at byte " + std::to_string(pos) + " claims " + std::to_string(length) +
                           " bytes, the file has " + std::to_string(size - pos - 12) + " left");
        pos += 12 + std::size_t(length);
        if (type == "IEND") break;
    }
    int width = 0, height = 0, channels = 0;
    // 8 bits per channel is plenty for a 28x28 input; stb scales 16-bit PNGs down.
    stbi_uc* pixels = stbi_load_from_memory(data, int(size), &width, &height, &channels, 0);
    if (!pixels) {
        const char* reason = stbi_failure_reason();
        fail(what, std::string("cannot decode PNG: ") + (reason ? reason : "unknown error"));
    }
    GrayImage img;
    img.width = width;
    img.height = height;
    img.pixels.resize(std::size_t(width) * height);
    const float inv255 = 1.0f / 255.0f;
    for (std::size_t i = 0; i < img.pixels.size(); ++i) {
        const stbi_uc* p = pixels + i * channels;
        // Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
        float gray = channels <= 2 ? p[0] * inv255 : (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) * inv255;
        float alpha = channels == 2 ? p[1] * inv255 : channels == 4 ? p[3] * inv255 : 1.0f;
        // Transparent pixels show the page behind them, which is white.
        img.pixels[i] = clamp01(alpha * gray + (1.0f - alpha));
    }
    stbi_image_free(pixels);
    return img;
}

// [SECTION] Preprocessing helpers

// For each output index o of an axis shrunk or stretched from `in` to `out` samples: the source
// samples its footprint [o*in/out, (o+1)*in/out) overlaps, with the overlap fractions as weights
// (normalised to sum to 1). This is area averaging; stretching degenerates to nearest neighbour.
struct AxisWeights {
    std::vector<int> first;  // (out + 1): taps of output o are [first[o], first[o+1]) in src/weight
    std::vector<int> src;
    std::vector<float> weight;
};

AxisWeights area_weights(int in, int out) {
    AxisWeights w;
    w.first.push_back(0);
    double step = double(in) / out;
    for (int o = 0; o < out; ++o) {
        double lo = o * step, hi = o + 1 == out ? double(in) : (o + 1) * step;
        int s_end = std::min(in, int(std::ceil(hi)));
        for (int s = int(lo); s < s_end; ++s) {
            double overlap = std::min(hi, s + 1.0) - std::max(lo, double(s));
            if (overlap <= 0) continue;
            w.src.push_back(s);
            w.weight.push_back(float(overlap / (hi - lo)));
        }
        w.first.push_back(int(w.src.size()));
    }
    return w;
}

// Mean brightness of the outermost rows and columns: the background of almost any picture.
double border_mean(const float* src, int width, int height) {
    double sum = 0;
    long count = 0;
    auto add = [&](int x, int y) {
        sum += clamp01(src[std::size_t(y) * width + x]);
        ++count;
    };
    for (int x = 0; x < width; ++x) {
        add(x, 0);
        if (height > 1) add(x, height - 1);
    }
    for (int y = 1; y < height - 1; ++y) {
        add(0, y);
        if (width > 1) add(width - 1, y);
    }
    return sum / double(count);
}

// Ink is the clamped brightness, inverted for dark-on-light pictures. A template parameter rather
// than a flag so the scans below compile to branch-free loops.
template <bool Invert>
float ink(float v) {
    const float c = clamp01(v);
    return Invert ? 1.0f - c : c;
}

struct InkBox {
    int x0, y0, x1, y1;  // inclusive; x1 < x0 when there is no ink
};

template <bool Invert>
InkBox find_ink_box(const float* src, int width, int height, float threshold, std::vector<unsigned char>& column_has_ink) {
    InkBox box{width, height, -1, -1};
    unsigned char* columns = column_has_ink.data();
    for (int y = 0; y < height; ++y) {
        const float* row = src + std::size_t(y) * width;
        unsigned char row_has_ink = 0;
        for (int x = 0; x < width; ++x) {
            const unsigned char is_ink = ink<Invert>(row[x]) > threshold;
            columns[x] |= is_ink;
            row_has_ink |= is_ink;
        }
        if (row_has_ink) {
            box.y0 = std::min(box.y0, y);
            box.y1 = y;
        }
    }
    for (int x = 0; x < width; ++x)
        if (columns[x]) {
            box.x0 = std::min(box.x0, x);
            box.x1 = x;
        }
    return box;
}

// rows: (box height, out_w), each box row shrunk horizontally.
template <bool Invert>
void shrink_rows(const float* src, int width, const InkBox& box, const AxisWeights& wx, int out_w, float* rows) {
    for (int y = box.y0; y <= box.y1; ++y) {
        const float* in_row = src + std::size_t(y) * width + box.x0;
        float* out_row = rows + std::size_t(y - box.y0) * out_w;
        for (int o = 0; o < out_w; ++o) {
            float acc = 0;
            for (int t = wx.first[o]; t < wx.first[o + 1]; ++t) acc += wx.weight[t] * ink<Invert>(in_row[wx.src[t]]);
            out_row[o] = acc;
        }
    }
}

}  // namespace

GrayImage decode_image(const std::uint8_t* data, std::size_t size, const std::string& what) {
    if (size == 0) fail(what, "cannot decode image: no data");
    if (is_png(data, size)) return decode_png(data, size, what);
    if (is_pnm(data, size)) return decode_pnm(data, size, what);
    fail(what, "cannot decode image: not a PNG or binary PGM/PPM (P5/P6) file");
}

GrayImage load_image(const std::string& path) {
    std::vector<std::uint8_t> bytes = read_file_bytes(path);
    return decode_image(bytes.data(), bytes.size(), path);
}

std::vector<float> preprocess_to_28x28(const GrayImage& img, float ink_threshold, int box_side) {
    if (box_side < 1 || box_side > kFrame) throw DataError("preprocess: box side must be in 1..28");
    std::vector<float> frame(std::size_t(kFrame) * kFrame, 0.0f);
    const int width = img.width, height = img.height;
    if (width < 0 || height < 0 || img.pixels.size() != std::size_t(width) * std::size_t(height))
        throw DataError("preprocess: image is " + std::to_string(width) + "x" + std::to_string(height) + " but has " +
                        std::to_string(img.pixels.size()) + " pixels");
    if (width == 0 || height == 0) return frame;

    // 1. Ink must be bright: a light border means dark-on-light, which is inverted.
    const float* src = img.pixels.data();
    const bool invert = border_mean(src, width, height) > 0.5;

    // 2. Bounding box of the ink.
    std::vector<unsigned char> column_has_ink(std::size_t(width), 0);
    const InkBox box = invert ? find_ink_box<true>(src, width, height, ink_threshold, column_has_ink)
                              : find_ink_box<false>(src, width, height, ink_threshold, column_has_ink);
    if (box.x1 < box.x0) return frame;  // no ink at all
    const int box_w = box.x1 - box.x0 + 1, box_h = box.y1 - box.y0 + 1;

    // 3. Scale the box so its longer side is box_side px, keeping the aspect ratio.
    const double scale = double(box_side) / std::max(box_w, box_h);
    const int out_w = std::clamp(int(std::lround(box_w * scale)), 1, box_side);
    const int out_h = std::clamp(int(std::lround(box_h * scale)), 1, box_side);
    const AxisWeights wx = area_weights(box_w, out_w);
    const AxisWeights wy = area_weights(box_h, out_h);

    // Separable: first shrink every box row to out_w, then combine rows.
    std::vector<float> rows(std::size_t(box_h) * out_w);  // (box_h, out_w)
    if (invert)
        shrink_rows<true>(src, width, box, wx, out_w, rows.data());
    else
        shrink_rows<false>(src, width, box, wx, out_w, rows.data());
    std::vector<float> patch(std::size_t(out_h) * out_w, 0.0f);  // (out_h, out_w)
    for (int o = 0; o < out_h; ++o) {
        float* out_row = patch.data() + std::size_t(o) * out_w;
        for (int t = wy.first[o]; t < wy.first[o + 1]; ++t) {
            const float* in_row = rows.data() + std::size_t(wy.src[t]) * out_w;
            const float w = wy.weight[t];
            for (int x = 0; x < out_w; ++x) out_row[x] += w * in_row[x];
        }
    }

    // 4. Centre of mass, with pixel i covering [i, i+1): (14,14) is then the frame's exact centre, so a
    // symmetric shape gets symmetric margins. The integer shift is clamped so nothing is cut off.
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < out_h; ++y)
        for (int x = 0; x < out_w; ++x) {
            const double v = patch[std::size_t(y) * out_w + x];
            mass += v;
            mx += v * (x + 0.5);
            my += v * (y + 0.5);
        }
    const double cx = mass > 0 ? mx / mass : out_w / 2.0;
    const double cy = mass > 0 ? my / mass : out_h / 2.0;
    const int off_x = std::clamp(int(std::floor(kFrame / 2.0 - cx + 0.5)), 0, kFrame - out_w);
    const int off_y = std::clamp(int(std::floor(kFrame / 2.0 - cy + 0.5)), 0, kFrame - out_h);
    for (int y = 0; y < out_h; ++y)
        std::copy_n(patch.data() + std::size_t(y) * out_w, out_w, frame.data() + std::size_t(off_y + y) * kFrame + off_x);
    return frame;
}

void fill_enclosed(float* image, int side, float ink_threshold) {
    const std::size_t n = std::size_t(side) * std::size_t(side);
    std::vector<std::uint8_t> outside(n, 0);
    std::vector<int> stack;
    auto visit = [&](int x, int y) {
        const std::size_t i = std::size_t(y) * std::size_t(side) + std::size_t(x);
        if (outside[i] || image[i] >= ink_threshold) return;
        outside[i] = 1;
        stack.push_back(int(i));
    };
    for (int k = 0; k < side; ++k) visit(k, 0), visit(k, side - 1), visit(0, k), visit(side - 1, k);
    while (!stack.empty()) {
        const int i = stack.back();
        stack.pop_back();
        const int x = i % side, y = i / side;
        if (x > 0) visit(x - 1, y);
        if (x + 1 < side) visit(x + 1, y);
        if (y > 0) visit(x, y - 1);
        if (y + 1 < side) visit(x, y + 1);
    }
    for (std::size_t i = 0; i < n; ++i)
        if (!outside[i] && image[i] < ink_threshold) image[i] = 1.0f;
}

}  // namespace convpad
