/**
 * One output line: control characters (a newline in a file name or a policy's key) are escaped, so
 * each line the command prints stays one line and nothing can forge or erase other lines.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
