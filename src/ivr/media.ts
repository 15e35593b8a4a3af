// What a flow may ask the PBX to play: the name of a prompt (sound:) or of one of our own
// recordings (recording:), or digits and numbers to be spoken. Never a URL (sound:http://…
// would make the PBX fetch it), an absolute path or a way up (../) into the PBX's files.

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Why `uri` may not be played, or null when it may. */
export function mediaProblem(uri: string): string | null {
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  const rest = uri.slice(colon + 1);
  switch (scheme) {
    case 'sound':
    case 'recording': {
      const segments = rest.split('/');
      const ok = segments.every((s) => NAME.test(s) && s !== '.' && s !== '..' && !s.startsWith('..'));
      return ok ? null : `${scheme}: must name a prompt or recording (letters, digits, _ - . and /), not a URL, an absolute path or ..`;
    }
    case 'digits':
      return /^[0-9*#]+$/.test(rest) ? null : 'digits: must be digits, * or #';
    case 'number':
      return /^-?[0-9]+$/.test(rest) ? null : 'number: must be a whole number';
    default:
      return 'media must be sound:, recording:, digits: or number:';
  }
}
