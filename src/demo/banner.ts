// The demo's one banner: what to open and the key to use, aligned, printed once and
// written to a file. A new line is one more entry.
export type BannerEntry = readonly [label: string, value: string];

export function renderBanner(title: string, entries: readonly BannerEntry[], footer: readonly string[] = []): string {
  const width = Math.max(...entries.map(([label]) => label.length));
  const lines = entries.map(([label, value]) => `  ${label.padEnd(width)}  ${value.split('\n').join(`\n  ${' '.repeat(width)}  `)}`);
  return [title, ...lines, ...footer].join('\n') + '\n';
}
