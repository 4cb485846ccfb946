// Small helpers for turning rows into what the repositories promise.

/** Rows for `ids`, in the order of `ids`, null where absent: the contract of a DataLoader batch. */
export function inOrder<T extends { id: string }, R>(ids: readonly string[], rows: T[], map: (row: T) => R): (R | null)[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = byId.get(id);
    return row ? map(row) : null;
  });
}
