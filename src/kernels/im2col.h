// Unfolding image patches into columns so a convolution becomes one GEMM, and folding them back.
#pragma once

namespace convpad {

struct ConvGeometry {
    int channels, height, width;   // input (C, H, W)
    int kernel_h, kernel_w;
    int pad_top, pad_left;         // zero padding before the image; after is implied by out size
    int out_h, out_w;
    int patch() const { return channels * kernel_h * kernel_w; }  // rows of the column matrix
    int out_pixels() const { return out_h * out_w; }
};

// x: (n, C, H, W)  col: (C*kh*kw, n*out_h*out_w); padding reads as zero.
// Conv2D calls it one image at a time (n = 1), so col is (C*kh*kw, out_h*out_w) and stays in cache.
void im2col(const ConvGeometry& g, const float* x, int n, float* col);
// col: (C*kh*kw, n*out_h*out_w)  dx: (n, C, H, W), overwritten with the sum of every patch's share.
void col2im(const ConvGeometry& g, const float* col, int n, float* dx);

// Pixel-by-pixel references for the tests (same results, bit for bit: both only copy and add in order).
void im2col_generic(const ConvGeometry& g, const float* x, int n, float* col);
void col2im_generic(const ConvGeometry& g, const float* col, int n, float* dx);

}  // namespace convpad
