/** Request bodies the example calls send: fake audio and hand-built multipart forms (resendable as a Buffer). */

/** `sizeBytes` of deterministic fake audio. */
export function fakeAudio(sizeBytes: number): Buffer {
  const audio = Buffer.alloc(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) audio[i] = (i * 7) & 0xff;
  return audio;
}

/** One multipart part: a text field or a file. */
export type FormPart =
  { name: string; value: string } | { name: string; filename: string; contentType: string; data: Buffer };

/** A multipart/form-data body and its Content-Type header. */
export interface MultipartBody {
  contentType: string;
  body: Buffer;
}

/** Encodes parts as multipart/form-data with a fixed boundary (the payloads never contain it). */
export function multipart(parts: readonly FormPart[]): MultipartBody {
  const boundary = 'vendor-resilience-demo-boundary';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      'filename' in part
        ? `form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType}`
        : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push('filename' in part ? part.data : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** A string field of a parsed JSON object, if present. */
export function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[name];
  return typeof field === 'string' ? field : undefined;
}
