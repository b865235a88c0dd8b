// @ts-check
// The edits the face panel asks the workers for, and how their amounts are written: pure, so
// that they are tested under node (tests/js/).

/**
 * Each direction at each strip amount (limits().stripAmounts), the others at 0: one row per
 * direction, as `realnvp edit --amounts -2,-1,0,1,2` writes one row.
 * @param {number} directions
 * @param {number[]} amounts
 * @returns {number[][]} one amount per direction, for each face of the strip
 */
export function stripEdits(directions, amounts) {
  const rows = Array.from({ length: directions }, (_, row) => row);
  return rows.flatMap((row) => amounts.map((a) => rows.map((i) => (i === row ? a : 0))));
}

/**
 * An amount as the page writes it beside the strip: −2, 0, +1.5 (a real minus sign).
 * @param {number} amount
 */
export function signedAmount(amount) {
  if (amount < 0) return `−${-amount}`;
  return amount > 0 ? `+${amount}` : '0';
}
