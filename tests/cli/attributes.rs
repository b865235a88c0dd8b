//! `realnvp attributes-fit`, `attributes` and `edit`: planted directions are found, the
//! coordinates follow them, amount 0 gives the photo back.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::{Rgb, RgbImage};

use super::{FIXTURE_SIZE, bin, fixture_weights, json_lines, run, temp_dir};

/// A UTKFace-style folder (`AGE_GENDER_RACE_DATE.jpg.chip.png` names) of 16x16 noise
/// images with two planted directions in separate channels, so that neither shows along the
/// other: label-1 images are greener, and redness grows with age. The fit must find both.
fn make_labelled_faces(dir: &Path, count: usize) {
    let mut rng = realnvp::rng::SeededRng::new(7);
    for i in 0..count {
        let age = 1 + (i * 37) % 90;
        let gender = (i / 3) % 2;
        let greenness = 50.0 * gender as f64;
        let redness = 1.5 * age as f64;
        let img = RgbImage::from_fn(16, 16, |_, _| {
            let mut noise = || 60.0 + 40.0 * rng.uniform();
            Rgb([
                (noise() + redness) as u8,
                (noise() + greenness) as u8,
                noise() as u8,
            ])
        });
        let name = format!("{age}_{gender}_0_2017{i:08}.jpg.chip.png");
        img.save(dir.join(name)).unwrap();
    }
}

/// The folder of labelled faces and the directions fitted on it (once for all the tests
/// here), with the fit's report.
struct Fitted {
    root: PathBuf,
    data: PathBuf,
    attributes: PathBuf,
    report: serde_json::Value,
}

fn fitted() -> &'static Fitted {
    static FITTED: OnceLock<Fitted> = OnceLock::new();
    FITTED.get_or_init(|| {
        let root = temp_dir("attributes");
        let data = root.join("faces");
        std::fs::create_dir_all(&data).unwrap();
        make_labelled_faces(&data, 400);
        let attributes = root.join("attributes.safetensors");
        let report = root.join("report.json");
        let out = run(bin()
            .arg("attributes-fit")
            .arg("--weights")
            .arg(fixture_weights())
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&attributes)
            .arg("--report")
            .arg(&report)
            .arg("--grid")
            .arg(root.join("grid.png"))
            .arg("--quiet"));
        assert!(out.status.success(), "{out:?}");
        let report = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        Fitted {
            root,
            data,
            attributes,
            report,
        }
    })
}

#[test]
fn attributes_fit_recovers_planted_directions() {
    let fitted = fitted();
    let check = &fitted.report["check"];
    // Validation images only (about 5% of the names, never fitted on).
    assert!(check["images"].as_u64().unwrap() >= 8, "{}", fitted.report);
    assert!(
        check["gender_auroc"].as_f64().unwrap() > 0.95,
        "{}",
        fitted.report
    );
    assert!(
        check["age_spearman"].as_f64().unwrap() > 0.8,
        "{}",
        fitted.report
    );
    for name in ["age", "gender"] {
        let grid = image::open(fitted.root.join(format!("grid_{name}.png"))).unwrap();
        // Six faces down, the strip's five amounts across.
        let side = |n: u32| n * FIXTURE_SIZE + (n + 1) * 2;
        assert_eq!(
            (grid.width(), grid.height()),
            (side(5), side(6)),
            "grid_{name}.png"
        );
    }
}

#[test]
fn the_gender_coordinate_follows_the_planted_greenness() {
    let fitted = fitted();
    let plain = |name: &str, colour: [u8; 3]| {
        let path = fitted.root.join(name);
        RgbImage::from_pixel(16, 16, Rgb(colour))
            .save(&path)
            .unwrap();
        path
    };
    let (grey, greener) = (
        plain("grey.png", [140, 80, 80]),
        plain("greener.png", [140, 130, 80]),
    );
    let out = run(bin()
        .args(["attributes", "--json", "--weights"])
        .arg(fixture_weights())
        .arg("--attributes")
        .arg(&fitted.attributes)
        .arg(&grey)
        .arg(&greener)
        .arg(fitted.root.join("missing.png")));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines = json_lines(&out);
    let gender = |i: usize| lines[i]["attributes"]["gender"].as_f64().unwrap();
    assert!(gender(1) > gender(0) + 1.0, "{lines:?}");
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot read")),
        "{lines:?}"
    );
}

#[test]
fn edit_at_zero_is_the_photo_and_bad_edits_are_refused() {
    let fitted = fitted();
    let photo = fitted
        .data
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let strip = fitted.root.join("strip.png");
    let edit = |extra: &[&str], out: &Path| {
        run(bin()
            .arg("edit")
            .arg(&photo)
            .arg("--weights")
            .arg(fixture_weights())
            .arg("--attributes")
            .arg(&fitted.attributes)
            .args(extra)
            .arg("--out")
            .arg(out))
    };
    let out = edit(&["--attribute", "gender", "--amounts=0,2"], &strip);
    assert!(out.status.success(), "{out:?}");
    let strip = image::open(&strip).unwrap().to_rgb8();
    let input = image::open(&photo).unwrap().to_rgb8();
    let tile =
        |col: u32| RgbImage::from_fn(16, 16, |x, y| *strip.get_pixel(2 + col * 18 + x, 2 + y));
    let largest = |a: &RgbImage| {
        a.as_raw()
            .iter()
            .zip(input.as_raw())
            .map(|(p, q)| p.abs_diff(*q))
            .max()
            .unwrap()
    };
    assert!(largest(&tile(0)) <= 1, "amount 0 must give the photo back");
    assert!(largest(&tile(1)) > 10, "amount 2 must change the photo");
    // Without --amounts: the page's strip, five faces wide.
    let default = fitted.root.join("default.png");
    assert!(edit(&["--attribute", "age"], &default).status.success());
    assert_eq!(image::open(&default).unwrap().width(), 5 * 16 + 6 * 2);
    for (extra, said) in [
        (
            &["--attribute", "age", "--amounts=9"][..],
            "an edit amount must be a number from -3 to 3",
        ),
        (&["--attribute", "hair"][..], "no direction `hair`"),
    ] {
        let out = edit(extra, &fitted.root.join("refused.png"));
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(said),
            "{out:?}"
        );
    }
}
