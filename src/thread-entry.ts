// Where a worker thread's module is: compiled JavaScript next to the caller, or, when the
// service runs as TypeScript through tsx (development, tests), a small boot module that
// registers tsx in the new thread before importing the TypeScript file.

/** The entry of the thread module `name` (without extension) beside `callerUrl` (its import.meta.url). */
export function threadEntry(callerUrl: string, name: string): URL {
  const url = new URL(`./${name}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl);
  if (!url.pathname.endsWith('.ts')) return url;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(url.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}
