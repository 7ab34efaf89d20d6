/** Throws, as `ws` would, for a close code or reason an application may not send. */
export function assertSendableClose(code: number, reason: string): void {
  const valid =
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999));
  if (!valid) throw new TypeError(`close: ${code} is not a close code an application may send`);
  if (Buffer.byteLength(reason) > 123) throw new SyntaxError('close: the reason must be at most 123 bytes');
}
