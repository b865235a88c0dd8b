//! Image files -> RGB: decoding with the size limits of `crate::limits`, EXIF orientation,
//! transparency flattened, and the structural checks that catch lying or cut-short files.

use std::io::Cursor;

use image::{
    AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage,
};

use super::container::{
    Unread, claimed_dimensions, image_data_bytes, jpeg_is_complete, min_data_bytes,
    unread_container,
};
use crate::limits::{MAX_FILE_BYTES, MAX_PIXELS, MAX_SIDE, READ_FORMATS};

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {0} bytes; the limit is {MAX_FILE_BYTES} bytes")]
    FileTooLarge(usize),
    #[error("not an image this program reads ({READ_FORMATS})")]
    UnknownFormat,
    /// A format recognised by its signature that no decoder here reads, with what to do.
    #[error("this is {what}, which this program does not read ({READ_FORMATS}): {advice}")]
    UnreadFormat {
        what: &'static str,
        advice: &'static str,
    },
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

/// What to tell someone whose file is in a format recognised but not read.
const CONVERT: &str = "save or export it as JPEG or PNG first, then use that file";

/// Transparent pixels are composited onto this colour (white, like the page behind them).
pub const ALPHA_BACKGROUND: [u8; 3] = [255, 255, 255];

/// A decoded photo and what was done to it on the way to RGB.
pub struct Decoded {
    pub image: RgbImage,
    /// Some pixels were (partly) transparent and were composited onto [`ALPHA_BACKGROUND`].
    pub flattened: bool,
    /// The file is an animation (GIF, APNG, animated WebP); `image` is its first frame.
    pub animated: bool,
}

impl Decoded {
    /// Pixels that came from no file (a camera frame, a generated face): nothing was done.
    pub fn from_rgb(image: RgbImage) -> Decoded {
        Decoded {
            image,
            flattened: false,
            animated: false,
        }
    }
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
    // HEIC (phones' default) and AVIF have no decoder here; say what they are.
    if let Some(container) = unread_container(bytes) {
        return Err(match container {
            Unread::Heic => ImageError::UnreadFormat {
                what: "a HEIC image",
                advice: HEIC_ADVICE,
            },
            Unread::Avif => ImageError::UnreadFormat {
                what: format_name(ImageFormat::Avif),
                advice: CONVERT,
            },
        });
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
    let format = match reader.format() {
        None => return Err(ImageError::UnknownFormat),
        Some(format) if !format.reading_enabled() => {
            return Err(ImageError::UnreadFormat {
                what: format_name(format),
                advice: CONVERT,
            });
        }
        Some(format) => format,
    };
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
    reader.limits(limits.clone());
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
    let animated = is_animation(bytes, format, limits);
    Ok(Decoded {
        animated,
        ..flatten(image)
    })
}

/// Where iPhones keep the setting that makes them save JPEG instead.
const HEIC_ADVICE: &str = "phones save photos as HEIC by default; export or share the photo as JPEG (on an iPhone: Settings > Camera > Formats > Most Compatible), then use that file";

/// A format by its usual name (`ImageFormat`'s debug name is the enum variant's).
fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Avif => "an AVIF image",
        ImageFormat::Ico => "an ICO icon",
        ImageFormat::Tga => "a TGA image",
        ImageFormat::Pnm => "a PNM (netpbm) image",
        ImageFormat::OpenExr => "an OpenEXR image",
        ImageFormat::Hdr => "a Radiance HDR image",
        ImageFormat::Dds => "a DDS texture",
        ImageFormat::Farbfeld => "a farbfeld image",
        ImageFormat::Qoi => "a QOI image",
        _ => "an image in a format",
    }
}

/// Whether the file holds more than one frame. The single-frame decode above has already
/// checked the file against the limits; this reads at most the first two frames.
fn is_animation(bytes: &[u8], format: ImageFormat, limits: Limits) -> bool {
    match format {
        ImageFormat::Gif => {
            let Ok(mut decoder) = image::codecs::gif::GifDecoder::new(Cursor::new(bytes)) else {
                return false;
            };
            if decoder.set_limits(limits).is_err() {
                return false;
            }
            decoder.into_frames().take(2).filter(Result::is_ok).count() > 1
        }
        ImageFormat::Png => image::codecs::png::PngDecoder::new(Cursor::new(bytes))
            .and_then(|d| d.is_apng())
            .unwrap_or(false),
        ImageFormat::WebP => image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
            .map(|d| d.has_animation())
            .unwrap_or(false),
        _ => false,
    }
}

/// RGB, with any transparency composited onto [`ALPHA_BACKGROUND`].
fn flatten(image: DynamicImage) -> Decoded {
    if !image.color().has_alpha() {
        return Decoded::from_rgb(image.to_rgb8());
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
        animated: false,
    }
}
