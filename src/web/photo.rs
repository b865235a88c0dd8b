//! An uploaded photo held in wasm memory: decoded by the same code as the CLI
//! (`crate::image::decode_photo`, with its size limits), cropped and resized by the same
//! code (`crate::image::Crop`), so the page and `realnvp score` see identical pixels.

use image::RgbImage;
use wasm_bindgen::prelude::*;

use super::js::Fields;
use crate::image::{Crop, Decoded, centre_square, crop_resize, decode_photo, rgba};

#[wasm_bindgen]
pub struct Photo {
    decoded: Decoded,
}

#[wasm_bindgen]
impl Photo {
    /// Decodes an image file (`limits::READ_FORMATS`; upright by its EXIF orientation); a file
    /// that is not one, a corrupt one, or one whose header lies about its size rejects with
    /// a sentence saying so.
    pub fn decode(bytes: &[u8]) -> Result<Photo, JsError> {
        Ok(Photo {
            decoded: decode_photo(bytes)?,
        })
    }

    /// RGB pixels of a `width x height` image (a camera frame, a generated face, the tests).
    #[wasm_bindgen(js_name = fromRgb)]
    pub fn from_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Result<Photo, JsError> {
        if width == 0 || height == 0 {
            return Err(JsError::new("the image has no pixels"));
        }
        let image = RgbImage::from_raw(width, height, rgb)
            .ok_or_else(|| JsError::new(&format!("expected {width}x{height} RGB bytes")))?;
        Ok(Photo {
            decoded: Decoded::from_rgb(image),
        })
    }

    /// The crop `realnvp score` uses: `[x, y, side]` of the centred square.
    #[wasm_bindgen(js_name = centreSquare)]
    pub fn centre_square(&self) -> Vec<u32> {
        let (x, y, side) = centre_square(self.image().width(), self.image().height());
        vec![x, y, side]
    }

    /// `{ width, height, previewWidth, previewHeight, preview }`: the photo's size and the
    /// whole photo shrunk to fit `max_side` (never enlarged), RGBA, for display.
    pub fn view(&self, max_side: u32) -> JsValue {
        let image = self.image();
        let (w, h) = preview_dims(image.width(), image.height(), max_side);
        let preview = if (w, h) == image.dimensions() {
            rgba(image.as_raw())
        } else {
            rgba(image::imageops::thumbnail(image, w, h).as_raw())
        };
        Fields::new()
            .set("width", image.width())
            .set("height", image.height())
            .set("previewWidth", w)
            .set("previewHeight", h)
            .bytes("preview", &preview)
            .build()
    }

    /// The square `(x, y, side)` box-resized to `size x size`, RGBA: exactly the pixels the
    /// model sees for that crop.
    pub fn crop(&self, x: u32, y: u32, side: u32, size: usize) -> Result<Vec<u8>, JsError> {
        Ok(rgba(&crop_resize(self.image(), x, y, side, size)?))
    }
}

impl Photo {
    fn image(&self) -> &RgbImage {
        &self.decoded.image
    }

    /// The model input of the square `(x, y, side)`, with its warnings.
    pub(super) fn model_crop(
        &self,
        x: u32,
        y: u32,
        side: u32,
        size: usize,
    ) -> Result<Crop, JsError> {
        Ok(Crop::of(&self.decoded, x, y, side, size)?)
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
