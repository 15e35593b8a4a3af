// BullMQ waits for a Redis that has never answered instead of failing: bound such waits.
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'queue'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
