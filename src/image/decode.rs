//! Image files -> RGB: decoding with the size limits of `crate::limits`, EXIF orientation,
//! transparency flattened, and the structural checks that catch lying or cut-short files.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

use super::container::{claimed_dimensions, image_data_bytes, jpeg_is_complete, min_data_bytes};
use crate::limits::{MAX_FILE_BYTES, MAX_PIXELS, MAX_SIDE};

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
