import { describe, expect, it } from 'vitest';

import { csvRecords, parseCsv, uploadRefusal } from '../../src/common/files';

describe('the row-error report (CSV)', () => {
  it('reads quoted fields with commas, quotes and line breaks, and a byte order mark', () => {
    const text = '\uFEFFrow,column,code,message,value\r\n7,email,invalid_email,"bad, very ""bad""","a\nb"\r\n8,,no_channel,none,\r\n';
    expect(parseCsv(text)).toEqual([
      ['row', 'column', 'code', 'message', 'value'],
      ['7', 'email', 'invalid_email', 'bad, very "bad"', 'a\nb'],
      ['8', '', 'no_channel', 'none', ''],
    ]);
    expect(csvRecords(text)[0]).toEqual({ row: '7', column: 'email', code: 'invalid_email', message: 'bad, very "bad"', value: 'a\nb' });
    expect(csvRecords('')).toEqual([]);
  });
});

describe("an upload's refusal", () => {
  it('is put in words', () => {
    expect(uploadRefusal(400, '<Error><Code>EntityTooLarge</Code></Error>', 100 * 1024 * 1024)).toBe(
      'The file is larger than the limit of 100 MB.',
    );
    expect(uploadRefusal(403, '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>', 1)).toBe(
      'The upload link expired; create the batch again.',
    );
    expect(uploadRefusal(500, 'oops', 1)).toBe('The upload failed (HTTP 500).');
  });
});
