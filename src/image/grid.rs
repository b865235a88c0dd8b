//! What the CLI writes and the page measures against: grids of faces and PNG files.

use image::RgbImage;

/// Tiles HWC RGB images into one grid image with `pad` pixels of gap.
pub fn grid(images: &[Vec<u8>], size: usize, cols: usize, pad: usize) -> RgbImage {
    let cols = cols.max(1);
    let rows = images.len().div_ceil(cols);
    let w = cols * size + (cols + 1) * pad;
    let h = rows * size + (rows + 1) * pad;
    let mut out = RgbImage::from_pixel(w as u32, h as u32, image::Rgb([255, 255, 255]));
    for (n, img) in images.iter().enumerate() {
        let (r, c) = (n / cols, n % cols);
        let (ox, oy) = (pad + c * (size + pad), pad + r * (size + pad));
        for y in 0..size {
            for x in 0..size {
                let p = (y * size + x) * 3;
                out.put_pixel(
                    (ox + x) as u32,
                    (oy + y) as u32,
                    image::Rgb([img[p], img[p + 1], img[p + 2]]),
                );
            }
        }
    }
    out
}

/// PNG bytes of an RGB image (best compression).
pub fn png_bytes(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    );
    image::ImageEncoder::write_image(
        encoder,
        image.as_raw(),
        image.width(),
        image.height(),
        image::ExtendedColorType::Rgb8,
    )
    .expect("encoding an in-memory RGB image to PNG cannot fail");
    out
}

/// Lossless WebP bytes of an RGB image.
pub fn webp_bytes(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encoding an in-memory RGB image to WebP cannot fail");
    out
}

/// Bits per sub-pixel of `image` as the lossless file `encode` writes: what a generic
/// codec needs for the same pixels, beside the model's bits/dim.
pub fn lossless_bits_per_dim(image: &RgbImage, encode: fn(&RgbImage) -> Vec<u8>) -> f64 {
    let dims = image.width() as f64 * image.height() as f64 * 3.0;
    encode(image).len() as f64 * 8.0 / dims
}
