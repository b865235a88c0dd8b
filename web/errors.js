// @ts-check
// What a caught value says: an Error's message (a Rust error arrives as one, its Display),
// anything else as text.

/** @param {unknown} err */
export const messageOf = (err) => (err instanceof Error ? err.message : String(err));
