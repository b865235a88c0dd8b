//! An uploaded photo held in wasm memory: decoded by the same code as the CLI
//! (`crate::image::decode`, with its size limits), cropped and resized by the same code
//! (`crate::image::crop_resize`), so the page and `realnvp score` see identical pixels.

use image::RgbImage;
use wasm_bindgen::prelude::*;

use crate::image::{MAX_FILE_BYTES, centre_square, crop_resize, crop_warnings, decode_photo};

/// Larger files are refused before they are read (the page checks `File.size` first).
#[wasm_bindgen(js_name = maxFileBytes)]
pub fn max_file_bytes() -> usize {
    MAX_FILE_BYTES
}

#[wasm_bindgen]
pub struct Photo {
    image: RgbImage,
    /// Transparency was composited onto the background colour when decoding.
    flattened: bool,
}

#[wasm_bindgen]
impl Photo {
    /// Decodes an image file (JPEG, PNG or WebP; upright by its EXIF orientation); a file
    /// that is not one, a corrupt one, or one whose header lies about its size rejects with
    /// a sentence saying so.
    pub fn decode(bytes: &[u8]) -> Result<Photo, JsError> {
        let decoded = decode_photo(bytes)?;
        Ok(Photo {
            image: decoded.image,
            flattened: decoded.flattened,
        })
    }

    /// RGB pixels of a `width x height` image (a camera frame, or the tests).
    #[wasm_bindgen(js_name = fromRgb)]
    pub fn from_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Result<Photo, JsError> {
        let image = RgbImage::from_raw(width, height, rgb)
            .ok_or_else(|| JsError::new(&format!("expected {width}x{height} RGB bytes")))?;
        if width == 0 || height == 0 {
            return Err(JsError::new("the image has no pixels"));
        }
        Ok(Photo {
            image,
            flattened: false,
        })
    }

    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.image.width()
    }

    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.image.height()
    }

    /// The crop `realnvp score` uses: `[x, y, side]` of the centred square.
    #[wasm_bindgen(js_name = centreSquare)]
    pub fn centre_square(&self) -> Vec<u32> {
        let (x, y, side) = centre_square(self.image.width(), self.image.height());
        vec![x, y, side]
    }

    /// Width and height of [`Self::preview`] for a given longest side.
    #[wasm_bindgen(js_name = previewSize)]
    pub fn preview_size(&self, max_side: u32) -> Vec<u32> {
        let (w, h) = preview_dims(self.image.width(), self.image.height(), max_side);
        vec![w, h]
    }

    /// The whole photo shrunk to fit `max_side` (never enlarged), RGBA, for display.
    pub fn preview(&self, max_side: u32) -> Vec<u8> {
        let (w, h) = preview_dims(self.image.width(), self.image.height(), max_side);
        if (w, h) == self.image.dimensions() {
            return rgba(self.image.as_raw());
        }
        rgba(image::imageops::thumbnail(&self.image, w, h).as_raw())
    }

    /// The square `(x, y, side)` box-resized to `size x size`, RGBA: exactly the pixels the
    /// model sees for that crop.
    pub fn crop(&self, x: u32, y: u32, side: u32, size: usize) -> Result<Vec<u8>, JsError> {
        Ok(rgba(&self.crop_rgb(x, y, side, size)?))
    }
}

impl Photo {
    /// HWC RGB bytes of the crop at the model's resolution.
    pub fn crop_rgb(&self, x: u32, y: u32, side: u32, size: usize) -> Result<Vec<u8>, JsError> {
        Ok(crop_resize(&self.image, x, y, side, size)?)
    }

    /// What the score of the crop `side` (resized to `pixels`) should be read with.
    pub fn warnings(&self, side: u32, size: usize, pixels: &[u8]) -> Vec<String> {
        crop_warnings(self.flattened, side, size, pixels)
    }
}

fn preview_dims(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height).max(1);
    if longest <= max_side.max(1) {
        return (width, height);
    }
    let scale = max_side.max(1) as f64 / longest as f64;
    (
        ((width as f64 * scale).round() as u32).max(1),
        ((height as f64 * scale).round() as u32).max(1),
    )
}

/// RGB bytes -> RGBA bytes (opaque), the layout of canvas `ImageData`.
pub fn rgba(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect()
}
