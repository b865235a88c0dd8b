//! The measured check of the directions: how well a coordinate separates or ranks labels.

/// Area under the ROC curve of `scores` for telling `positive` from negative (ties count
/// half): the chance that a random positive scores above a random negative.
pub fn auroc(scores: &[f32], positive: &[bool]) -> f64 {
    let ranks = ranks(scores);
    let n_pos = positive.iter().filter(|p| **p).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return f64::NAN;
    }
    let rank_sum: f64 = ranks
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r)
        .sum();
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// Spearman's rank correlation (Pearson's on ranks, ties at their mean rank).
pub fn spearman(a: &[f32], b: &[f32]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// 1-based ranks, ties sharing their mean rank.
fn ranks(values: &[f32]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let mean_rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mean_rank;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_of_perfect_random_and_reversed_scores() {
        let labels = [false, false, true, true];
        assert_eq!(auroc(&[0.1, 0.2, 0.8, 0.9], &labels), 1.0);
        assert_eq!(auroc(&[0.9, 0.8, 0.2, 0.1], &labels), 0.0);
        assert_eq!(auroc(&[0.5, 0.5, 0.5, 0.5], &labels), 0.5);
        // One positive below one negative: 3 of 4 pairs ordered.
        assert_eq!(auroc(&[0.1, 0.6, 0.5, 0.9], &labels), 0.75);
    }

    #[test]
    fn spearman_of_monotone_and_reversed() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((spearman(&a, &[1.0, 4.0, 9.0, 16.0, 25.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&a, &[5.0, 4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        // Textbook example with a tie: ranks [1,2,3,4.5,4.5] vs [2,1,4,3,5].
        let r = spearman(&[1.0, 2.0, 3.0, 4.0, 4.0], &[2.0, 1.0, 4.0, 3.0, 5.0]);
        assert!((r - 0.718_184_846_459_607_9).abs() < 1e-9, "{r}");
    }
}
