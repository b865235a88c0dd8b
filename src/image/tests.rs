use super::container::{claimed_dimensions, jpeg_is_complete};
use super::crop::box_weights;
use super::*;
use image::{ImageEncoder, RgbImage};

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
    let input = centred_crop(&png, 8).unwrap();
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
    let ordinary = centred_crop(&png_bytes(&noisy(100, 80)), 64).unwrap();
    assert!(ordinary.warnings.is_empty(), "{:?}", ordinary.warnings);
    let small = centred_crop(&png_bytes(&noisy(8, 8)), 64).unwrap();
    assert_eq!(small.warnings.len(), 1);
    assert!(
        small.warnings[0].starts_with("enlarged: the crop is 8x8"),
        "{:?}",
        small.warnings
    );
    let white = centred_crop(
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
    let strip = centred_crop(&png_bytes(&noisy(1, 500)), 64).unwrap();
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

#[test]
fn gif_bmp_and_tiff_are_read_through_the_same_path() {
    let img = red_blue(20, 12);
    let mut gif = Vec::new();
    image::codecs::gif::GifEncoder::new(&mut gif)
        .encode(img.as_raw(), 20, 12, image::ExtendedColorType::Rgb8)
        .unwrap();
    let mut bmp = Vec::new();
    image::codecs::bmp::BmpEncoder::new(&mut bmp)
        .encode(img.as_raw(), 20, 12, image::ExtendedColorType::Rgb8)
        .unwrap();
    let mut tiff = std::io::Cursor::new(Vec::new());
    image::codecs::tiff::TiffEncoder::new(&mut tiff)
        .write_image(img.as_raw(), 20, 12, image::ExtendedColorType::Rgb8)
        .unwrap();
    for (name, bytes) in [("GIF", gif), ("BMP", bmp), ("TIFF", tiff.into_inner())] {
        let photo = decode_photo(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(photo.image, img, "{name}");
        assert!(!photo.animated, "{name} is one frame");
        // Cut short, each is an error, not a panic nor a picture.
        assert!(
            decode(&bytes[..bytes.len() / 2]).is_err(),
            "{name} cut in half"
        );
    }
}

#[test]
fn an_animation_is_scored_by_its_first_frame_with_a_warning() {
    use image::{Delay, Frame, RgbaImage};
    let frame = |rgb: [u8; 3]| {
        let mut image = RgbaImage::from_pixel(80, 80, image::Rgba([rgb[0], rgb[1], rgb[2], 255]));
        // Some detail, so that no other warning (nearly uniform) applies.
        for x in 0..80 {
            image.put_pixel(x, x, image::Rgba([0, 0, 0, 255]));
        }
        Frame::from_parts(image, 0, 0, Delay::from_numer_denom_ms(100, 1))
    };
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        encoder
            .encode_frames([frame([200, 30, 30]), frame([30, 30, 200])])
            .unwrap();
    }
    let photo = decode_photo(&gif).unwrap();
    assert!(photo.animated);
    assert_eq!(
        photo.image.get_pixel(40, 10).0,
        [200, 30, 30],
        "the first frame"
    );
    let crop = Crop::centred(&photo, 64).unwrap();
    assert_eq!(crop.warnings.len(), 1, "{:?}", crop.warnings);
    assert!(
        crop.warnings[0].starts_with("animated: "),
        "{:?}",
        crop.warnings
    );
}

/// An ISO base media file that is only its `ftyp` box with these brands.
fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let size = 16 + 4 * compatible.len();
    let mut out = (size as u32).to_be_bytes().to_vec();
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(major);
    out.extend_from_slice(&[0; 4]);
    for brand in compatible {
        out.extend_from_slice(*brand);
    }
    // Then what a real file's next box would start with.
    out.extend_from_slice(&[0, 0, 0, 40, b'm', b'e', b't', b'a']);
    out
}

#[test]
fn heic_and_avif_are_named_with_what_to_do() {
    let said = |bytes: &[u8]| match decode(bytes) {
        Err(e @ ImageError::UnreadFormat { .. }) => e.to_string(),
        other => panic!("expected UnreadFormat, got {:?}", other.map(|_| ())),
    };
    for heic in [
        ftyp(b"heic", &[b"mif1", b"heic"]),
        ftyp(b"mif1", &[b"mif1", b"heix"]),
    ] {
        let message = said(&heic);
        assert!(message.starts_with("this is a HEIC image"), "{message}");
        assert!(message.contains("as JPEG"), "{message}");
    }
    assert!(said(&ftyp(b"avif", &[b"mif1", b"avif"])).starts_with("this is an AVIF image"));
    // A recognised format without a decoder here is named too (an ICO icon's header).
    let ico = [
        0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0, 0, 0, 0, 22, 0, 0, 0,
    ];
    assert!(
        said(&ico).starts_with("this is an ICO icon"),
        "{}",
        said(&ico)
    );
    // An MP4 video's ftyp is none of these: not an image.
    assert!(matches!(
        decode(&ftyp(b"isom", &[b"isom", b"mp41"])),
        Err(ImageError::UnknownFormat)
    ));
}

#[test]
fn a_grey_photo_is_warned_about_and_a_colour_one_not() {
    let mut rng = crate::rng::SeededRng::new(7);
    let grey = RgbImage::from_fn(90, 90, |_, _| {
        image::Rgb([(rng.uniform() * 255.0) as u8; 3])
    });
    let crop = centred_crop(&png_bytes(&grey), 64).unwrap();
    assert_eq!(crop.warnings.len(), 1, "{:?}", crop.warnings);
    assert!(
        crop.warnings[0].starts_with("grayscale: "),
        "{:?}",
        crop.warnings
    );
    let tinted = RgbImage::from_fn(90, 90, |x, y| {
        let v = grey.get_pixel(x, y)[0];
        image::Rgb([v, v, v.saturating_add(1)])
    });
    assert!(
        centred_crop(&png_bytes(&tinted), 64)
            .unwrap()
            .warnings
            .is_empty()
    );
}
