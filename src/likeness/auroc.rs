//! Area under the ROC curve: the chance that a random positive scores above a random
//! negative (ties count half), by the rank-sum.

/// AUROC of `positives` (should score higher) against `negatives`; None when either is empty.
pub fn auroc(positives: &[f64], negatives: &[f64]) -> Option<f64> {
    if positives.is_empty() || negatives.is_empty() {
        return None;
    }
    let mut all: Vec<(f64, bool)> = positives
        .iter()
        .map(|&v| (v, true))
        .chain(negatives.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Ranks from 1, tied values sharing their mean rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += mean_rank * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let (p, n) = (positives.len() as f64, negatives.len() as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::auroc;

    #[test]
    fn separated_mixed_and_tied() {
        assert_eq!(auroc(&[3.0, 4.0], &[1.0, 2.0]), Some(1.0));
        assert_eq!(auroc(&[1.0, 2.0], &[3.0, 4.0]), Some(0.0));
        assert_eq!(auroc(&[1.0, 3.0], &[2.0, 4.0]), Some(0.25));
        assert_eq!(auroc(&[1.0], &[1.0]), Some(0.5));
        assert_eq!(auroc(&[], &[1.0]), None);
    }
}
