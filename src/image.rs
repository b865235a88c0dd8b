//! Image file -> model input, shared by the trainer, the CLI and the page so that all three
//! see identical pixels: decode with size limits, centred square crop, box (area) resize.

use std::io::Cursor;

use burn::tensor::{Device, Tensor, TensorData};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

/// Larger files are refused before decoding.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Larger images (by their header) are refused before decoding.
pub const MAX_SIDE: u32 = 12_000;
pub const MAX_PIXELS: u64 = 60_000_000;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {0} bytes; the limit is {MAX_FILE_BYTES} bytes")]
    FileTooLarge(usize),
    #[error("not an image this program reads (JPEG, PNG or WebP)")]
    UnknownFormat,
    #[error(
        "the image header claims {width}x{height} pixels, but the file holds only {bytes} bytes of image data, too few for that many pixels: the file is cut short or its header is wrong"
    )]
    TooLittleData {
        width: u32,
        height: u32,
        bytes: usize,
    },
    #[error(
        "the image header claims {0}x{1} pixels; the limit is {MAX_SIDE} per side and {MAX_PIXELS} in all"
    )]
    DimensionsTooLarge(u32, u32),
    #[error("the image could not be decoded: {0}")]
    Decode(String),
    #[error("the JPEG file is cut short or corrupt: its data ends before the end-of-image marker")]
    TruncatedJpeg,
    #[error("the crop box {x},{y} size {side} does not fit in the {width}x{height} image")]
    BadCrop {
        x: u32,
        y: u32,
        side: u32,
        width: u32,
        height: u32,
    },
}

/// Transparent pixels are composited onto this colour (white, like the page behind them).
pub const ALPHA_BACKGROUND: [u8; 3] = [255, 255, 255];

/// A decoded photo and what was done to it on the way to RGB.
pub struct Decoded {
    pub image: RgbImage,
    /// Some pixels were (partly) transparent and were composited onto [`ALPHA_BACKGROUND`].
    pub flattened: bool,
}

/// Decodes an image file held in memory, refusing oversized files before decoding.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    decode_photo(bytes).map(|d| d.image)
}

/// [`decode`], also saying whether transparency was flattened. EXIF orientation (phone
/// photos) is applied, so the image is upright as a viewer shows it.
pub fn decode_photo(bytes: &[u8]) -> Result<Decoded, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImageError::FileTooLarge(bytes.len()));
    }
    // The size a PNG or JPEG header claims, read from the bytes themselves: a file that is
    // only a header (no image data) still gets the size refusal, not a decoder error.
    if let Some((width, height)) = claimed_dimensions(bytes)
        && (width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS)
    {
        return Err(ImageError::DimensionsTooLarge(width, height));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    // Only the header is read here; the real limits apply to the decode below, so that a
    // huge claimed size is reported as such rather than as a generic limit error.
    reader.no_limits();
    if reader.format().is_none() {
        return Err(ImageError::UnknownFormat);
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(ImageError::DimensionsTooLarge(width, height));
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Decode("the image has no pixels".into()));
    }
    // The JPEG decoder fills a cut-off file with grey and reports no error; refuse it here.
    if bytes.starts_with(&[0xFF, 0xD8]) && !jpeg_is_complete(bytes) {
        return Err(ImageError::TruncatedJpeg);
    }
    // Nor does it complain when the data is far too short for the size the header claims
    // (it draws black): every block of a Huffman-coded JPEG costs at least one bit.
    if let Some(data) = image_data_bytes(bytes)
        && data < min_data_bytes(bytes, width, height)
    {
        return Err(ImageError::TooLittleData {
            width,
            height,
            bytes: data,
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + (1 << 20));
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    // A missing or unreadable orientation tag means upright.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| ImageError::Decode(e.to_string()))?;
    image.apply_orientation(orientation);
    Ok(flatten(image))
}

/// RGB, with any transparency composited onto [`ALPHA_BACKGROUND`].
fn flatten(image: DynamicImage) -> Decoded {
    if !image.color().has_alpha() {
        return Decoded {
            image: image.to_rgb8(),
            flattened: false,
        };
    }
    let rgba = image.to_rgba8();
    let mut flattened = false;
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = px[3] as u32;
        flattened |= a < 255;
        for ch in 0..3 {
            let bg = ALPHA_BACKGROUND[ch] as u32;
            out[ch] = ((px[ch] as u32 * a + bg * (255 - a) + 127) / 255) as u8;
        }
    }
    Decoded {
        image: rgb,
        flattened,
    }
}

/// Bytes of compressed pixel data: a JPEG's entropy-coded scans or a PNG's IDAT chunks.
/// None for other formats or when the structure cannot be walked.
fn image_data_bytes(bytes: &[u8]) -> Option<usize> {
    const PNG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.starts_with(&PNG) {
        let mut at = 8;
        let mut total = 0usize;
        while let Some(head) = bytes.get(at..at + 8) {
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
            if &head[4..8] == b"IDAT" {
                total += len.min(bytes.len().saturating_sub(at + 8));
            }
            at = at.checked_add(12)?.checked_add(len)?;
        }
        return Some(total);
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return Some(
            JpegSegments::new(bytes)
                .map(|segment| segment.scan_bytes)
                .sum(),
        );
    }
    None
}

/// The fewest bytes of compressed data that can describe `width x height` pixels.
/// PNG: deflate expands at most 1032:1. JPEG: at least one bit per 8x8 block of each
/// component (a DC difference code), at the frame's sampling; arithmetic-coded JPEGs
/// (SOF9 and up), which can do better, are not checked.
fn min_data_bytes(bytes: &[u8], width: u32, height: u32) -> usize {
    let (w, h) = (width as usize, height as usize);
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        // Each row of a PNG has a filter byte and at least one bit per pixel.
        return h * (w.div_ceil(8) + 1) / 1032;
    }
    let Some(frame) = JpegSegments::new(bytes)
        .find(|s| (0xC0..=0xC3).contains(&s.code) || (0xC5..=0xC7).contains(&s.code))
    else {
        return 0;
    };
    let components = frame.payload.get(5).copied().unwrap_or(0) as usize;
    let sampling: Vec<(usize, usize)> = (0..components)
        .filter_map(|i| frame.payload.get(6 + 3 * i + 1))
        .map(|&hv| (((hv >> 4) as usize).max(1), ((hv & 15) as usize).max(1)))
        .collect();
    let hmax = sampling.iter().map(|s| s.0).max().unwrap_or(1);
    let vmax = sampling.iter().map(|s| s.1).max().unwrap_or(1);
    let blocks: usize = sampling
        .iter()
        .map(|&(hs, vs)| (w * hs).div_ceil(8 * hmax) * (h * vs).div_ceil(8 * vmax))
        .sum();
    blocks / 8
}

/// `(width, height)` from a PNG's IHDR chunk or a JPEG's frame header (SOFn), if the bytes
/// are one of those and the header is there.
pub fn claimed_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    const PNG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.starts_with(&PNG) && bytes.get(12..16) == Some(b"IHDR") {
        let be = |at: usize| {
            bytes
                .get(at..at + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        return Some((be(16)?, be(20)?));
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    for segment in JpegSegments::new(bytes) {
        match segment.code {
            // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
            0xC0..=0xCF if !matches!(segment.code, 0xC4 | 0xC8 | 0xCC) => {
                let frame = segment.payload.get(..5)?; // precision, height, width
                let height = u16::from_be_bytes([frame[1], frame[2]]) as u32;
                let width = u16::from_be_bytes([frame[3], frame[4]]) as u32;
                return Some((width, height));
            }
            0xDA | 0xD9 => return None, // a scan or the end before any frame header
            _ => {}
        }
    }
    None
}

/// Whether a JPEG's marker structure runs from its start-of-image to an end-of-image marker:
/// segment by segment, through the entropy-coded data after each start-of-scan. Anything
/// after the end-of-image marker (phones append extra images or videos) is ignored.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    JpegSegments::new(bytes).any(|segment| segment.code == 0xD9)
}

/// One marker of a JPEG and the bytes of its segment after the length field (as many of them
/// as the file holds; none for markers without a length).
struct JpegSegment<'a> {
    code: u8,
    payload: &'a [u8],
    /// For a start-of-scan: the bytes of entropy-coded data after it.
    scan_bytes: usize,
}

/// The markers of a JPEG after its start-of-image, in order. Ends after the end-of-image
/// marker, or at the first break in the structure: a missing marker, a bad length, a segment
/// cut short (still yielded, with what is there) or scan data with no marker after it.
struct JpegSegments<'a> {
    bytes: &'a [u8],
    /// Where the next marker starts; None once the walk has ended.
    at: Option<usize>,
}

impl<'a> JpegSegments<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: Some(2) }
    }
}

impl<'a> Iterator for JpegSegments<'a> {
    type Item = JpegSegment<'a>;

    fn next(&mut self) -> Option<JpegSegment<'a>> {
        let bytes = self.bytes;
        let mut i = self.at.take()?;
        // The next marker: 0xFF (any number of fill bytes), then its code.
        if bytes.get(i) != Some(&0xFF) {
            return None;
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let code = *bytes.get(i)?;
        i += 1;
        let bare = JpegSegment {
            code,
            payload: &[],
            scan_bytes: 0,
        };
        match code {
            0xD9 => return Some(bare), // EOI: the walk ends here
            0x01 | 0xD0..=0xD7 => {
                // TEM, RSTn: no length
                self.at = Some(i);
                return Some(bare);
            }
            _ => {}
        }
        let len = bytes
            .get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)?;
        if len < 2 {
            return None;
        }
        let end = i + len;
        let mut segment = JpegSegment {
            code,
            payload: bytes.get(i + 2..end.min(bytes.len())).unwrap_or(&[]),
            scan_bytes: 0,
        };
        if end <= bytes.len() {
            self.at = if code == 0xDA {
                let data_end = scan_data_end(bytes, end);
                segment.scan_bytes = data_end.unwrap_or(bytes.len()) - end;
                data_end
            } else {
                Some(end)
            };
        }
        Some(segment)
    }
}

/// Where the entropy-coded data that starts at `from` ends: the next marker that is neither
/// a stuffed 0xFF00 nor a restart marker. None if the file ends first.
fn scan_data_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        from += bytes[from..].iter().position(|&b| b == 0xFF)?;
        match bytes.get(from + 1)? {
            0x00 | 0xD0..=0xD7 | 0xFF => from += 1,
            _ => return Some(from),
        }
    }
}

/// The centred square `(x, y, side)` of a `width x height` image.
pub fn centre_square(width: u32, height: u32) -> (u32, u32, u32) {
    let side = width.min(height);
    ((width - side) / 2, (height - side) / 2, side)
}

/// Crops the square at `(x, y)` of side `side` and box-resizes it to `size x size`.
/// Returns RGB bytes, row-major (HWC).
pub fn crop_resize(
    image: &RgbImage,
    x: u32,
    y: u32,
    side: u32,
    size: usize,
) -> Result<Vec<u8>, ImageError> {
    let (width, height) = image.dimensions();
    if side == 0 || x as u64 + side as u64 > width as u64 || y as u64 + side as u64 > height as u64
    {
        return Err(ImageError::BadCrop {
            x,
            y,
            side,
            width,
            height,
        });
    }
    let raw = image.as_raw();
    let row = width as usize * 3;
    let side = side as usize;
    // Horizontal pass: side rows x size columns, then vertical: size x size.
    let weights = box_weights(side, size);
    let mut horizontal = vec![0f32; side * size * 3];
    for r in 0..side {
        let src = &raw[(y as usize + r) * row + x as usize * 3..];
        for (j, taps) in weights.iter().enumerate() {
            let mut acc = [0f32; 3];
            for &(k, w) in taps {
                for ch in 0..3 {
                    acc[ch] += w * src[k * 3 + ch] as f32;
                }
            }
            horizontal[(r * size + j) * 3..(r * size + j) * 3 + 3].copy_from_slice(&acc);
        }
    }
    let mut out = vec![0u8; size * size * 3];
    for (i, taps) in weights.iter().enumerate() {
        for j in 0..size {
            for ch in 0..3 {
                let v: f32 = taps
                    .iter()
                    .map(|&(k, w)| w * horizontal[(k * size + j) * 3 + ch])
                    .sum();
                out[(i * size + j) * 3 + ch] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(out)
}

/// For each output index, the source indices it covers and their overlap weights (sum 1).
fn box_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|i| {
            let (lo, hi) = (i as f64 * scale, (i + 1) as f64 * scale);
            let mut taps = Vec::new();
            let mut k = lo.floor() as usize;
            while (k as f64) < hi && k < src {
                let overlap = (hi.min(k as f64 + 1.0) - lo.max(k as f64)).max(0.0);
                if overlap > 0.0 {
                    taps.push((k, (overlap / scale) as f32));
                }
                k += 1;
            }
            taps
        })
        .collect()
}

/// File bytes -> `size x size` RGB bytes with the centred square crop.
/// An image's model input (centred square, resized) and what its score should be read with.
pub struct ModelInput {
    /// `size x size` RGB.
    pub pixels: Vec<u8>,
    /// Sentences from [`crop_warnings`]; empty for an ordinary photo.
    pub warnings: Vec<String>,
}

pub fn model_input(bytes: &[u8], size: usize) -> Result<Vec<u8>, ImageError> {
    scored_input(bytes, size).map(|input| input.pixels)
}

/// [`model_input`] with the warnings `realnvp score` and the page show beside the score.
pub fn scored_input(bytes: &[u8], size: usize) -> Result<ModelInput, ImageError> {
    let decoded = decode_photo(bytes)?;
    let (x, y, side) = centre_square(decoded.image.width(), decoded.image.height());
    let pixels = crop_resize(&decoded.image, x, y, side, size)?;
    let warnings = crop_warnings(decoded.flattened, side, size, &pixels);
    Ok(ModelInput { pixels, warnings })
}

/// Below this standard deviation (in 8-bit levels) a crop counts as nearly uniform.
pub const UNIFORM_STD_LEVELS: f64 = 2.0;

/// Why a crop's score may not mean what it seems: an enlarged crop (smaller than the
/// model's input) is scored as a blurred copy; a nearly uniform one gets a density so high
/// that bits/dim can go below zero; flattened transparency is not the photo's own pixels.
pub fn crop_warnings(flattened: bool, side: u32, size: usize, pixels: &[u8]) -> Vec<String> {
    let mut warnings = Vec::new();
    if (side as usize) < size {
        warnings.push(format!(
            "enlarged: the crop is {side}x{side} pixels, smaller than the model's {size}x{size}, so the score is that of an enlarged, blurred copy"
        ));
    }
    // Spatial variation, per colour channel: a solid red crop is as uniform as a white one.
    let std = (0..3)
        .map(|ch| {
            let values: Vec<f64> = pixels
                .iter()
                .skip(ch)
                .step_by(3)
                .map(|&v| v as f64)
                .collect();
            let n = values.len().max(1) as f64;
            let mean = values.iter().sum::<f64>() / n;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
        })
        .fold(0f64, f64::max);
    if std < UNIFORM_STD_LEVELS {
        warnings.push(format!(
            "nearly uniform: the crop's colours hardly vary (standard deviation at most {std:.2} levels); such images get densities so high that bits/dim can fall below zero, which is no code length"
        ));
    }
    if flattened {
        let [r, g, b] = ALPHA_BACKGROUND;
        warnings.push(format!(
            "transparent: transparent pixels were composited onto rgb({r}, {g}, {b}) before scoring"
        ));
    }
    warnings
}

/// HWC RGB byte images (all `size x size`) -> an NCHW float tensor of pixel values 0..255.
pub fn to_tensor(images: &[Vec<u8>], size: usize, device: &Device) -> Tensor<4> {
    let plane = size * size;
    let mut values = vec![0f32; images.len() * 3 * plane];
    for (n, img) in images.iter().enumerate() {
        assert_eq!(
            img.len(),
            plane * 3,
            "every image must be {size}x{size} RGB"
        );
        for p in 0..plane {
            for ch in 0..3 {
                values[(n * 3 + ch) * plane + p] = img[p * 3 + ch] as f32;
            }
        }
    }
    Tensor::from_data(
        TensorData::new(values, [images.len(), 3, size, size]),
        device,
    )
}

/// NCHW pixel values (read back from a tensor) -> HWC RGB byte images.
pub fn from_values(values: &[f32], count: usize, size: usize) -> Vec<Vec<u8>> {
    let plane = size * size;
    (0..count)
        .map(|n| {
            let mut img = vec![0u8; plane * 3];
            for p in 0..plane {
                for ch in 0..3 {
                    img[p * 3 + ch] =
                        values[(n * 3 + ch) * plane + p].round().clamp(0.0, 255.0) as u8;
                }
            }
            img
        })
        .collect()
}

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

/// PNG bytes of an RGB image (used for the "PNG bits/dim" context figure too).
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

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageEncoder;

    fn jpeg_of(img: &RgbImage) -> Vec<u8> {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode_image(img)
            .unwrap();
        jpeg
    }

    /// A JPEG with an APP1 Exif segment whose only tag is Orientation = `orientation`.
    fn jpeg_with_orientation(img: &RgbImage, orientation: u16) -> Vec<u8> {
        let jpeg = jpeg_of(img);
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes()); // first IFD right after the header
        tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// Left half red, right half blue.
    fn red_blue(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                image::Rgb([220, 20, 20])
            } else {
                image::Rgb([20, 20, 220])
            }
        })
    }

    #[test]
    fn exif_orientation_is_applied() {
        // Orientation 6: the camera was turned; viewers rotate 90 degrees clockwise, so the
        // left (red) half ends up on top.
        let upright = decode(&jpeg_with_orientation(&red_blue(32, 16), 6)).unwrap();
        assert_eq!(upright.dimensions(), (16, 32));
        assert!(upright.get_pixel(8, 4)[0] > 150, "top is red");
        assert!(upright.get_pixel(8, 28)[2] > 150, "bottom is blue");
        // Orientation 1 and no tag at all leave it as stored.
        for jpeg in [
            jpeg_with_orientation(&red_blue(32, 16), 1),
            jpeg_of(&red_blue(32, 16)),
        ] {
            let same = decode(&jpeg).unwrap();
            assert_eq!(same.dimensions(), (32, 16));
            assert!(same.get_pixel(4, 8)[0] > 150, "left is red");
        }
    }

    #[test]
    fn a_header_claiming_more_pixels_than_the_data_can_hold_is_refused() {
        let mut jpeg = jpeg_of(&red_blue(16, 16));
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        // SOF0: FF C0, length (2), precision (1), height (2), width (2)
        jpeg[sof + 5..sof + 7].copy_from_slice(&7000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&7000u16.to_be_bytes());
        let result = decode(&jpeg);
        assert!(
            matches!(
                result,
                Err(ImageError::TooLittleData {
                    width: 7000,
                    height: 7000,
                    ..
                })
            ),
            "{:?}",
            result.err()
        );
        let message = decode(&jpeg).err().unwrap().to_string();
        assert!(
            message.contains("7000x7000") && message.contains("too few"),
            "{message}"
        );
        // The same check passes real files, including a tiny uniform one.
        assert!(
            decode(&jpeg_of(&RgbImage::from_pixel(
                640,
                480,
                image::Rgb([0, 0, 0])
            )))
            .is_ok()
        );
        assert!(
            decode(&png_bytes(&RgbImage::from_pixel(
                2000,
                2000,
                image::Rgb([0, 0, 0])
            )))
            .is_ok()
        );
    }

    #[test]
    fn transparency_is_flattened_onto_white_and_said() {
        let rgba = image::RgbaImage::from_fn(8, 8, |x, _| {
            if x < 4 {
                image::Rgba([0, 0, 0, 0])
            } else {
                image::Rgba([10, 20, 30, 255])
            }
        });
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(rgba.as_raw(), 8, 8, image::ExtendedColorType::Rgba8)
            .unwrap();
        let decoded = decode_photo(&png).unwrap();
        assert!(decoded.flattened);
        assert_eq!(decoded.image.get_pixel(0, 0).0, ALPHA_BACKGROUND);
        assert_eq!(decoded.image.get_pixel(7, 0).0, [10, 20, 30]);
        let input = scored_input(&png, 8).unwrap();
        assert!(
            input.warnings.iter().any(|w| w.starts_with("transparent")),
            "{:?}",
            input.warnings
        );
        // An RGBA file that is fully opaque is not flattened.
        let opaque = image::RgbaImage::from_pixel(8, 8, image::Rgba([1, 2, 3, 255]));
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(opaque.as_raw(), 8, 8, image::ExtendedColorType::Rgba8)
            .unwrap();
        assert!(!decode_photo(&png).unwrap().flattened);
    }

    #[test]
    fn enlarged_and_uniform_crops_carry_warnings_and_ordinary_ones_none() {
        let noisy = |w: u32, h: u32| {
            let mut rng = crate::rng::SeededRng::new(4);
            RgbImage::from_fn(w, h, |_, _| {
                let v = (rng.uniform() * 255.0) as u8;
                image::Rgb([v, v / 2, 255 - v])
            })
        };
        let ordinary = scored_input(&png_bytes(&noisy(100, 80)), 64).unwrap();
        assert!(ordinary.warnings.is_empty(), "{:?}", ordinary.warnings);
        let small = scored_input(&png_bytes(&noisy(8, 8)), 64).unwrap();
        assert_eq!(small.warnings.len(), 1);
        assert!(
            small.warnings[0].starts_with("enlarged: the crop is 8x8"),
            "{:?}",
            small.warnings
        );
        let white = scored_input(
            &png_bytes(&RgbImage::from_pixel(300, 300, image::Rgb([255; 3]))),
            64,
        )
        .unwrap();
        assert_eq!(white.warnings.len(), 1);
        assert!(
            white.warnings[0].starts_with("nearly uniform"),
            "{:?}",
            white.warnings
        );
        // A 1x500 strip: its centred square is one pixel, enlarged and uniform.
        let strip = scored_input(&png_bytes(&noisy(1, 500)), 64).unwrap();
        assert_eq!(strip.warnings.len(), 2, "{:?}", strip.warnings);
    }

    #[test]
    fn webp_is_read() {
        let img = red_blue(20, 12);
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(img.as_raw(), 20, 12, image::ExtendedColorType::Rgb8)
            .unwrap();
        assert_eq!(decode(&webp).unwrap(), img);
    }

    #[test]
    fn box_resize_averages_exactly() {
        // 4x4 -> 2x2: each output is the mean of a 2x2 block.
        let mut img = RgbImage::new(4, 4);
        for y in 0..4 {
            for x in 0..4 {
                let v = (y * 4 + x) as u8 * 10;
                img.put_pixel(x, y, image::Rgb([v, v, 255 - v]));
            }
        }
        let out = crop_resize(&img, 0, 0, 4, 2).unwrap();
        // top-left block: 0,10,40,50 -> 25
        assert_eq!(out[0], 25);
        assert_eq!(out[2], 230);
        // bottom-right block: 100,110,140,150 -> 125
        assert_eq!(out[3 * 3], 125);
    }

    #[test]
    fn fractional_box_weights_sum_to_one() {
        for (src, dst) in [(200, 64), (150, 64), (64, 64), (7, 3)] {
            for taps in box_weights(src, dst) {
                let s: f32 = taps.iter().map(|t| t.1).sum();
                assert!((s - 1.0).abs() < 1e-5, "{src}->{dst}: {s}");
            }
        }
    }

    #[test]
    fn centre_square_of_wide_image() {
        assert_eq!(centre_square(300, 200), (50, 0, 200));
        assert_eq!(centre_square(201, 300), (0, 49, 201));
    }

    #[test]
    fn rejects_garbage_and_empty() {
        assert!(matches!(decode(b""), Err(ImageError::Empty)));
        assert!(matches!(
            decode(b"hello, this is text"),
            Err(ImageError::UnknownFormat)
        ));
    }

    #[test]
    fn rejects_huge_header_before_decoding() {
        let mut png = png_header_30000();
        // A few bytes of (truncated) image data and the end marker, as a crafted file would have.
        for (kind, data) in [
            (&b"IDAT"[..], &[0x78, 0x9c, 0x03, 0x00][..]),
            (&b"IEND"[..], &[][..]),
        ] {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = png.len();
            png.extend_from_slice(kind);
            png.extend_from_slice(data);
            let crc = crc32(&png[start..]);
            png.extend_from_slice(&crc.to_be_bytes());
        }
        let result = decode(&png);
        assert!(
            matches!(result, Err(ImageError::DimensionsTooLarge(30000, 30000))),
            "{result:?}"
        );
    }

    /// A PNG signature and an IHDR chunk claiming 30000x30000 RGB pixels, no image data.
    fn png_header_30000() -> Vec<u8> {
        let mut png = vec![
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ];
        png.extend_from_slice(&30000u32.to_be_bytes());
        png.extend_from_slice(&30000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32(&png[12..]);
        png.extend_from_slice(&crc.to_be_bytes());
        png
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn header_only_files_claiming_huge_sizes_are_refused_by_size() {
        let png = png_header_30000();
        assert!(matches!(
            decode(&png),
            Err(ImageError::DimensionsTooLarge(30000, 30000))
        ));
        // JPEG: SOI, a baseline frame header claiming 30000x20000, nothing else.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
        jpeg.extend_from_slice(&20000u16.to_be_bytes());
        jpeg.extend_from_slice(&30000u16.to_be_bytes());
        jpeg.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        assert_eq!(claimed_dimensions(&jpeg), Some((30000, 20000)));
        assert!(matches!(
            decode(&jpeg),
            Err(ImageError::DimensionsTooLarge(30000, 20000))
        ));
    }

    #[test]
    fn claimed_dimensions_of_real_files() {
        let img = RgbImage::from_pixel(37, 21, image::Rgb([1, 2, 3]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode_image(&img)
            .unwrap();
        assert_eq!(claimed_dimensions(&jpeg), Some((37, 21)));
        assert_eq!(claimed_dimensions(&png_bytes(&img)), Some((37, 21)));
        assert_eq!(claimed_dimensions(b"GIF89a"), None);
    }

    #[test]
    fn jpeg_cut_after_its_header_is_refused() {
        // Large enough that the cut falls inside the scan data, which the decoder would
        // otherwise fill with grey without an error.
        let img = RgbImage::from_fn(180, 130, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 90])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode_image(&img)
            .unwrap();
        assert!(jpeg_is_complete(&jpeg));
        assert!(decode(&jpeg).is_ok());
        for cut in [jpeg.len() / 3, jpeg.len() / 2, jpeg.len() - 2] {
            assert!(
                !jpeg_is_complete(&jpeg[..cut]),
                "cut at {cut} of {}",
                jpeg.len()
            );
            assert!(
                matches!(decode(&jpeg[..cut]), Err(ImageError::TruncatedJpeg)),
                "cut at {cut}"
            );
        }
        // Data appended after the end-of-image marker (as phones do) is fine.
        let mut extended = jpeg.clone();
        extended.extend_from_slice(&[0xFF, 0xDA, 0, 4, 1, 2, 3, 0xFF]);
        assert!(jpeg_is_complete(&extended));
    }

    #[test]
    fn truncated_jpeg_is_an_error_not_a_panic() {
        let img = RgbImage::from_pixel(16, 16, image::Rgb([10, 200, 30]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode_image(&img)
            .unwrap();
        let cut = &jpeg[..jpeg.len() / 3];
        assert!(decode(cut).is_err());
    }
}
