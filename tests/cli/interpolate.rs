//! `realnvp interpolate`: a steps x steps grid between seeds and photos; its corners are
//! the corners' own faces.

use image::{Rgb, RgbImage};

use super::{FIXTURE_SIZE, bin, fixture_weights, run, temp_dir};

#[test]
fn interpolate_writes_a_grid_whose_photo_corner_is_the_photo() {
    let root = temp_dir("interpolate");
    let photo = root.join("photo.png");
    RgbImage::from_fn(FIXTURE_SIZE, FIXTURE_SIZE, |x, y| {
        Rgb([(x * 15) as u8, (y * 15) as u8, 90])
    })
    .save(&photo)
    .unwrap();
    let grid = root.join("interp.png");
    let out = run(bin()
        .args([
            "interpolate",
            "--steps",
            "3",
            "--corners",
            "seed:1",
            "seed:2",
        ])
        .arg(&photo)
        .arg("seed:3")
        .arg("--weights")
        .arg(fixture_weights())
        .arg("--out")
        .arg(&grid));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let grid = image::open(&grid).unwrap().to_rgb8();
    let side = 3 * FIXTURE_SIZE + 4 * 2;
    assert_eq!(grid.dimensions(), (side, side));
    // The bottom-left corner is the photo, encoded and decoded: the flow inverts exactly.
    let (ox, oy) = (2, 2 + 2 * (FIXTURE_SIZE + 2));
    let input = image::open(&photo).unwrap().to_rgb8();
    let worst = (0..FIXTURE_SIZE)
        .flat_map(|y| (0..FIXTURE_SIZE).map(move |x| (x, y)))
        .flat_map(|(x, y)| {
            let (a, b) = (grid.get_pixel(ox + x, oy + y), input.get_pixel(x, y));
            (0..3).map(move |c| a[c].abs_diff(b[c]))
        })
        .max()
        .unwrap();
    assert!(worst <= 1, "the photo corner differs by {worst} levels");
    let out = run(bin().args([
        "interpolate",
        "--steps",
        "1",
        "--corners",
        "a",
        "b",
        "c",
        "d",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--steps: the grid must have 2 to 16 steps")
    );
    let _ = std::fs::remove_dir_all(&root);
}
