import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notesLines, readNotes } from '../../bench/notes';

describe('the notes of docs/benchmarks.md', () => {
  it('are carried over unchanged by a run that writes the figures anew', () => {
    const before = [
      '## 2. Ingest',
      '',
      '| old | figures |',
      '',
      '<!-- notes: ingest -->',
      'Session 9: bounding the probes bought **28 → 0.9 ms** of planning.',
      '',
      '| pair | before → after |',
      '|---|---|',
      '| 1 | 12,908 → 14,191 |',
      '',
      '<!-- /notes -->',
      '',
      '## 4. Chat',
      '<!-- notes: chat -->',
      '<!-- /notes -->',
    ].join('\n');
    const notes = readNotes(before);
    expect([...notes.keys()]).toEqual(['ingest', 'chat']);
    const after = ['## 2. Ingest', '', '| new | figures |', '', ...notesLines('ingest', notes), '## 4. Chat', '', ...notesLines('chat', notes), '## 6', '', ...notesLines('bigtrace', notes)].join('\n');
    expect(after).not.toContain('old');
    expect(readNotes(after)).toEqual(new Map([['ingest', notes.get('ingest')], ['chat', ''], ['bigtrace', '']]));
    expect(notes.get('ingest')).toBe('Session 9: bounding the probes bought **28 → 0.9 ms** of planning.\n\n| pair | before → after |\n|---|---|\n| 1 | 12,908 → 14,191 |');
    // A second run gives the same file.
    expect(['## 2. Ingest', '', '| new | figures |', '', ...notesLines('ingest', readNotes(after))].join('\n')).toBe(after.slice(0, after.indexOf('## 4. Chat')).replace(/\n$/, ''));
  });

  it('mark every section of the file a run writes, so that no hand-written line is lost to the next run', () => {
    const doc = readFileSync('docs/benchmarks.md', 'utf8');
    const sections = ['overhead', 'ingest', 'indexcost', 'query', 'pglitequery', 'chat', 'proxy', 'bigtrace', 'footprint'];
    expect([...readNotes(doc).keys()]).toEqual(sections);
    expect(doc.match(/<!-- notes: /g)).toHaveLength(sections.length);
    expect(doc.match(/<!-- \/notes -->/g)).toHaveLength(sections.length);
  });
});
