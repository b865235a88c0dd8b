//! Walks of the JPEG and PNG structure that the decoders do not do: the size a header
//! claims, how many bytes of compressed data follow, whether a JPEG reaches its end marker;
//! and the signatures of the HEIF containers that no decoder here reads.

/// The eight bytes every PNG file starts with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Bytes of compressed pixel data: a JPEG's entropy-coded scans or a PNG's IDAT chunks.
/// None for other formats or when the structure cannot be walked.
pub(super) fn image_data_bytes(bytes: &[u8]) -> Option<usize> {
    if bytes.starts_with(&PNG_SIGNATURE) {
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
pub(super) fn min_data_bytes(bytes: &[u8], width: u32, height: u32) -> usize {
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
    if bytes.starts_with(&PNG_SIGNATURE) && bytes.get(12..16) == Some(b"IHDR") {
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

/// A HEIF-family container (ISO base media file) that no decoder here reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unread {
    /// HEIC: HEVC-coded HEIF, the default photo format of iPhones and many Android phones.
    Heic,
    /// AVIF: AV1-coded HEIF.
    Avif,
}

/// Which [`Unread`] container the file is, from its `ftyp` box: the major brand, or a
/// compatible brand when the major one is the generic `mif1` / `msf1`.
pub(super) fn unread_container(bytes: &[u8]) -> Option<Unread> {
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let brands = bytes.get(8..size.clamp(16, 256).min(bytes.len()))?;
    let kind = |brand: &[u8]| match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs" => {
            Some(Unread::Heic)
        }
        b"avif" | b"avis" => Some(Unread::Avif),
        _ => None,
    };
    // After the major brand comes a 4-byte minor version, then the compatible brands.
    kind(brands.get(0..4)?).or_else(|| brands.get(8..)?.chunks_exact(4).find_map(kind))
}
