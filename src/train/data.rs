//! The face set for training: find images, split by identity, decode once into a cache.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

use crate::image::model_input;
use crate::weights::fnv1a64;

/// Image files under `root` (recursively), sorted so every run sees the same order.
pub fn find_images(root: &Path) -> Result<Vec<PathBuf>> {
    if !root.is_dir() {
        bail!("{} is not a folder", root.display());
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_image_name(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn is_image_name(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "jpg" | "jpeg" | "png")
}

/// The identity a file belongs to: its name without the last extension and without a
/// trailing `_<digits>`, so all photos of one LFW person land in the same split.
pub fn identity_key(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    match stem.rsplit_once('_') {
        Some((head, digits))
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            head.to_string()
        }
        _ => stem.to_string(),
    }
}

/// About 5% of identities, chosen by hash (docs/ARCHITECTURE.md section 11).
pub fn is_validation(path: &Path) -> bool {
    fnv1a64(identity_key(path).as_bytes()).is_multiple_of(20)
}

/// Decoded `size x size` RGB images, one split.
pub struct ImageSet {
    pub size: usize,
    /// HWC bytes, `size*size*3` per image.
    pub images: Vec<Vec<u8>>,
}

impl ImageSet {
    pub fn len(&self) -> usize {
        self.images.len()
    }

    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }
}

pub struct FaceData {
    pub train: ImageSet,
    pub val: ImageSet,
    pub skipped: Vec<(PathBuf, String)>,
}

/// Loads `root` at `size`, from the cache in `cache_dir` when the file list is unchanged.
pub fn load(root: &Path, size: usize, cache_dir: &Path, show_progress: bool) -> Result<FaceData> {
    let files = find_images(root)?;
    if files.is_empty() {
        bail!("no JPEG or PNG images under {}", root.display());
    }
    let listing: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    let cache = cache_dir.join(format!(
        "faces-{size}-{:016x}.bin",
        fnv1a64(listing.as_bytes())
    ));
    let decoded = match read_cache(&cache, files.len(), size) {
        Some(decoded) => decoded,
        None => {
            let decoded = decode_all(&files, size, show_progress);
            write_cache(&cache, &decoded, size)
                .with_context(|| format!("writing cache {}", cache.display()))?;
            decoded
        }
    };
    let mut data = FaceData {
        train: ImageSet {
            size,
            images: Vec::new(),
        },
        val: ImageSet {
            size,
            images: Vec::new(),
        },
        skipped: Vec::new(),
    };
    for (path, result) in files.into_iter().zip(decoded) {
        match result {
            Ok(img) if is_validation(&path) => data.val.images.push(img),
            Ok(img) => data.train.images.push(img),
            Err(e) => data.skipped.push((path, e)),
        }
    }
    Ok(data)
}

/// One file's decoded image, or why it could not be decoded.
type DecodeResult = Result<Vec<u8>, String>;
type Decoded = Vec<DecodeResult>;

pub(crate) fn decode_all(files: &[PathBuf], size: usize, show_progress: bool) -> Decoded {
    let bar = progress_bar(files.len() as u64, "decoding", show_progress);
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut results: Decoded = (0..files.len()).map(|_| Err(String::new())).collect();
    let chunks: Vec<Vec<(usize, DecodeResult)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= files.len() {
                            break out;
                        }
                        let result = fs::read(&files[i])
                            .map_err(|e| e.to_string())
                            .and_then(|bytes| model_input(&bytes, size).map_err(|e| e.to_string()));
                        out.push((i, result));
                        bar.inc(1);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("decoder threads do not panic"))
            .collect()
    });
    bar.finish_and_clear();
    for (i, r) in chunks.into_iter().flatten() {
        results[i] = r;
    }
    results
}

const MAGIC: &[u8; 8] = b"RNVPDAT1";

fn write_cache(path: &Path, decoded: &Decoded, size: usize) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::io::BufWriter::new(fs::File::create(&tmp)?);
    f.write_all(MAGIC)?;
    f.write_all(&(decoded.len() as u64).to_le_bytes())?;
    f.write_all(&(size as u64).to_le_bytes())?;
    for r in decoded {
        match r {
            Ok(img) => {
                f.write_all(&[1])?;
                f.write_all(img)?;
            }
            Err(e) => {
                f.write_all(&[0])?;
                let msg = e.as_bytes();
                f.write_all(&(msg.len() as u32).to_le_bytes())?;
                f.write_all(msg)?;
            }
        }
    }
    f.into_inner()?.sync_all()?;
    fs::rename(&tmp, path)?;
    Ok(())
}

fn read_cache(path: &Path, count: usize, size: usize) -> Option<Decoded> {
    let mut f = std::io::BufReader::new(fs::File::open(path).ok()?);
    let mut header = [0u8; 24];
    f.read_exact(&mut header).ok()?;
    let n = u64::from_le_bytes(header[8..16].try_into().ok()?) as usize;
    let s = u64::from_le_bytes(header[16..24].try_into().ok()?) as usize;
    if &header[..8] != MAGIC || n != count || s != size {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut tag = [0u8; 1];
        f.read_exact(&mut tag).ok()?;
        if tag[0] == 1 {
            let mut img = vec![0u8; size * size * 3];
            f.read_exact(&mut img).ok()?;
            out.push(Ok(img));
        } else {
            let mut len = [0u8; 4];
            f.read_exact(&mut len).ok()?;
            let mut msg = vec![0u8; u32::from_le_bytes(len) as usize];
            f.read_exact(&mut msg).ok()?;
            out.push(Err(String::from_utf8_lossy(&msg).into_owned()));
        }
    }
    Some(out)
}

pub fn progress_bar(len: u64, what: &str, visible: bool) -> indicatif::ProgressBar {
    if !visible {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>10} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keys_group_people() {
        assert_eq!(
            identity_key(Path::new("lfw/Aaron_Peirsol_0003.jpg")),
            "Aaron_Peirsol"
        );
        assert_eq!(
            identity_key(Path::new("x/Aaron_Peirsol_0001.jpg")),
            "Aaron_Peirsol"
        );
        assert_eq!(
            identity_key(Path::new("100_1_0_20170110183726390.jpg.chip.jpg")),
            "100_1_0_20170110183726390.jpg.chip"
        );
        assert_eq!(identity_key(Path::new("plain.png")), "plain");
    }

    #[test]
    fn split_is_about_five_percent() {
        let n = (0..4000)
            .filter(|i| is_validation(Path::new(&format!("img{i}.png"))))
            .count();
        assert!((120..280).contains(&n), "{n} of 4000");
    }
}
