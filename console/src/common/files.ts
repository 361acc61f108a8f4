/**
 * Files in and out of the browser: saving a download, uploading a recipients file with the batch's
 * pre-signed POST (with progress: fetch cannot report upload progress, XMLHttpRequest can), and
 * reading the row-error report (CSV).
 */
import type { PresignedPost } from '../api/models';

export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class UploadError extends Error {}

/** S3's refusal in words (its answer is XML: <Error><Code>…</Code><Message>…</Message>). */
export function uploadRefusal(status: number, body: string, maxBytes: number): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  if (code === 'EntityTooLarge') {
    return `The file is larger than the limit of ${Math.floor(maxBytes / (1024 * 1024))} MB.`;
  }
  if (code === 'AccessDenied' && /expired/i.test(body)) {
    return 'The upload link expired; create the batch again.';
  }
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return message ? `The upload was refused: ${message}` : `The upload failed (HTTP ${status}).`;
}

export function uploadFile(post: PresignedPost, file: File, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) {
      form.append(name, value);
    }
    form.append('file', file); // S3 ignores every field after the file
    const request = new XMLHttpRequest();
    request.open('POST', post.url);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(100);
        resolve();
      } else {
        reject(new UploadError(uploadRefusal(request.status, request.responseText, post.max_bytes)));
      }
    });
    request.addEventListener('error', () => reject(new UploadError('The upload failed: the storage could not be reached.')));
    request.send(form);
  });
}

/** RFC 4180 CSV (quoted fields with commas, quotes and line breaks), as the row-error report is written. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let index = 0; index < body.length; index += 1) {
    const char = body[index];
    if (quoted) {
      if (char === '"' && body[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && body[index + 1] === '\n') index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** CSV rows as records keyed by the header row. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ''])));
}
