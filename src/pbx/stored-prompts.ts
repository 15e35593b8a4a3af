// Which of a flow's recordings the PBX nodes lack, asked at publish time through the node
// owners (whichever instance the API request landed on). A node that cannot be asked is
// reported as unchecked, never as lacking anything.
import type { AriClient } from '../ari/client.js';
import type { CheckRecordings, RecordingCheck } from '../ivr/prompt-check.js';
import { storedRecordingExists } from './ari-port.js';
import type { CommandBus } from './command-bus.js';

export const MISSING_RECORDINGS_COMMAND = 'ivr.missingRecordings';
const MAX_NAMES = 500;

/** The names this PBX does not have; throws when it cannot be asked. */
export async function missingOnPbx(ari: AriClient, names: readonly string[]): Promise<string[]> {
  const present = await Promise.all(names.map((name) => storedRecordingExists(ari, name)));
  return names.filter((_, i) => !present[i]);
}

/** The command's arguments, as the owner reads them from the bus. */
export function recordingNamesArg(args: unknown): string[] {
  const names = (args as { names?: unknown } | null)?.names;
  if (!Array.isArray(names) || names.length > MAX_NAMES || !names.every((n) => typeof n === 'string')) throw new Error('names must be a list of recording names');
  return names as string[];
}

export function recordingChecker(commands: CommandBus, pbxNodes: readonly string[]): CheckRecordings {
  return async (names) => {
    const check: RecordingCheck = { missing: {}, unchecked: [] };
    await Promise.all(
      pbxNodes.map(async (node) => {
        let missing: string[];
        try {
          missing = (await commands.send(node, MISSING_RECORDINGS_COMMAND, { names })) as string[];
        } catch {
          check.unchecked.push(node);
          return;
        }
        for (const name of missing) (check.missing[name] ??= []).push(node);
      }),
    );
    return check;
  };
}
