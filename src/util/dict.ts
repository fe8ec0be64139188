/** A plain record with no prototype, for keys that come from user data (event types, columns, names). */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
