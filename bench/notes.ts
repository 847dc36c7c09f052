/**
 * Notes kept across full bench runs. What people wrote under a section of docs/benchmarks.md (what a
 * change bought, earlier runs, runs at 10M spans) stands between `<!-- notes: <section> -->` and
 * `<!-- /notes -->` at the section's end; a full `npm run bench` writes the section's figures anew
 * and carries its notes over unchanged.
 */
const NOTES = /<!-- notes: (\w+) -->\n([\s\S]*?)<!-- \/notes -->/g;

/** The notes of each section in a benchmarks file, by section name. */
export function readNotes(text: string): Map<string, string> {
  const notes = new Map<string, string>();
  for (const [, section, body] of text.matchAll(NOTES)) notes.set(section!, body!.replace(/\s+$/, ''));
  return notes;
}

/** The lines that carry a section's notes into the file being written (the markers, even when empty). */
export function notesLines(section: string, notes: ReadonlyMap<string, string>): string[] {
  const body = notes.get(section) ?? '';
  return [`<!-- notes: ${section} -->`, ...(body ? [body, ''] : []), '<!-- /notes -->', ''];
}
