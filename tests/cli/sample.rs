//! `realnvp sample`: a grid of the asked size, the same faces for the same seed.

use super::{FIXTURE_SIZE, bin, fixture_weights, run, temp_dir};

#[test]
fn sample_writes_a_grid_and_a_seed_gives_the_same_faces() {
    let root = temp_dir("sample");
    let draw = |name: &str, seed: &str| {
        let out = root.join(name);
        let done = run(bin()
            .args(["sample", "--n", "9", "--temperature", "0.7", "--seed", seed])
            .arg("--weights")
            .arg(fixture_weights())
            .arg("--out")
            .arg(&out));
        assert!(done.status.success(), "{done:?}");
        image::open(&out).unwrap().to_rgb8()
    };
    let (a, again, other) = (draw("a.png", "1"), draw("b.png", "1"), draw("c.png", "2"));
    // 3x3 faces with a 2-pixel gap around each (realnvp::limits::GRID_GAP).
    let side = 3 * FIXTURE_SIZE + 4 * 2;
    assert_eq!(a.dimensions(), (side, side));
    assert_eq!(a, again, "the same seed draws the same faces");
    assert_ne!(a, other, "another seed draws other faces");
    let refused = run(bin().args(["sample", "--n", "0"]));
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--n: the number of faces must be from 1 to 256")
    );
    let _ = std::fs::remove_dir_all(&root);
}
