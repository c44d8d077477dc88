/**
 * DynamoDB refuses a number of magnitude under 1e-130 ("Number underflow"), and the
 * DocumentClient refuses one beyond Number.MAX_SAFE_INTEGER (it would be stored imprecisely);
 * either fails the whole write. States and decisions record what was read (metric values,
 * samples, spreads), and a source can return anything a number can hold: a Redis key reading
 * 1e-200 would then fail every write of that pool's state, and the pool would stay stuck on a
 * 500. What is written is a record, not an input to validate, so numbers are brought into range
 * instead: under 1e-130 in magnitude is 0 (nothing a pool acts on is that small), beyond
 * MAX_SAFE_INTEGER is +-MAX_SAFE_INTEGER (9.007e15: no pool, metric or time here comes near it).
 *
 * Copy on write: values with nothing to change are returned as they are (the common case costs a
 * walk, no allocation). Keys are copied as own properties (`__proto__` from a metric name stays a
 * key). Binary values (Uint8Array, Buffer) and non-finite numbers are left alone.
 */
export const STORABLE_MIN_MAGNITUDE = 1e-130;
export const STORABLE_MAX_MAGNITUDE = Number.MAX_SAFE_INTEGER;

function storableNumber(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.abs(value);
  if (magnitude < STORABLE_MIN_MAGNITUDE) return 0;
  if (magnitude > STORABLE_MAX_MAGNITUDE) return Math.sign(value) * STORABLE_MAX_MAGNITUDE;
  return value;
}

export function storable<T>(value: T): T {
  if (typeof value === 'number') return storableNumber(value) as T;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const inner = storable(value[i]);
      if (inner !== value[i] && !Number.isNaN(value[i])) (copy ??= value.slice())[i] = inner;
    }
    return (copy ?? value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const before = source[key];
    const inner = storable(before);
    if (inner === before || Number.isNaN(before)) continue;
    if (!copy) {
      copy = {};
      for (const k of Object.keys(source)) Object.defineProperty(copy, k, { value: source[k], enumerable: true, writable: true, configurable: true });
    }
    Object.defineProperty(copy, key, { value: inner, enumerable: true, writable: true, configurable: true });
  }
  return (copy ?? value) as T;
}
