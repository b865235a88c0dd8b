// The page's elements are found by id (index.html); a missing one is a bug, said at once.
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el;
}
