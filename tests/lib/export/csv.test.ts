import { describe, expect, it } from 'vitest';
import { csvField } from '@/lib/export/csv';

/** What a spreadsheet sees in the cell: the field unquoted (RFC 4180). */
function cell(field: string): string {
  return field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field;
}

describe('csvField', () => {
  it.each([
    ['=1+1'],
    ['+1'],
    ['-1+2'],
    ['@SUM(A1)'],
    [';=1+1'],
    ['\t=1'],
    ['\r=1'],
    ['\tplain'],
    ['\rplain'],
    [' =1+1'],
    ['   @cmd'],
    ['\n=HYPERLINK("http://evil.example","x")'],
    ['\r\n+1'],
    [' \t -1'],
    [' ;x'],
    ['＝1+1'],
    ['＋1'],
    ['－1'],
    ['＠x'],
  ])('turns %j into text a spreadsheet will not evaluate', (value) => {
    expect(cell(csvField(value))).toBe(`'${value}`);
  });

  it.each([['hello'], ['  hello'], ['\nhello'], ['a=b'], ['1-2'], ['email@example.com'], ['']])('leaves %j as it is', (value) => {
    expect(cell(csvField(value))).toBe(value);
  });

  it('writes numbers and booleans as values, negative ones included', () => {
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField(0)).toBe('0');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('quotes commas, quotes, line breaks and edge whitespace (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
  });
});
