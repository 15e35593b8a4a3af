// A deliberately naive AMI parser (decode everything, split on LF) that tests compare
// the streaming parser against. Slow and simple on purpose.
export interface ReferenceParse {
  greeting: string | undefined;
  messages: string[][];
  badLines: number;
}

export function referenceParse(bytes: Buffer, expectGreeting: boolean): ReferenceParse {
  const text = bytes.toString('utf8');
  const lines = text.split('\n');
  lines.pop(); // the part after the last LF is not a complete line
  let greeting: string | undefined;
  const messages: string[][] = [];
  let current: string[] = [];
  let badLines = 0;
  let first = expectGreeting;
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') {
      if (current.length > 0) messages.push(current);
      current = [];
      continue;
    }
    if (first) {
      greeting = line;
      first = false;
      continue;
    }
    const sep = line.indexOf(': ');
    if (sep > 0) current.push(line.slice(0, sep), line.slice(sep + 2));
    else if (sep < 0 && line.length > 1 && line.endsWith(':') && line.indexOf(': ') < 0) current.push(line.slice(0, -1), '');
    else badLines++;
  }
  return { greeting, messages, badLines };
}
