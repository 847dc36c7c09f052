'use client';

import { useState, type KeyboardEvent } from 'react';
import { apiFetch } from '@/lib/client/api';

const SUGGESTED_TAGS = ['hallucination', 'incomplete', 'wrong_tool', 'too_slow', 'off_topic'];

function normalizeTag(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, '_').replace(/[^a-z0-9_-]/g, '').slice(0, 64);
}

function ThumbIcon({ down }: { down?: boolean }) {
  return (
    <svg viewBox="0 0 24 24" className={`h-3.5 w-3.5 ${down ? 'rotate-180' : ''}`} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M7 10v11H4a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1h3Zm0 0 4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7" />
    </svg>
  );
}

/** Thumbs up/down on one assistant answer, then an optional rating, failure tags and notes → POST /api/evaluations. */
export function EvaluationForm({ messageId }: { messageId: string }) {
  const [verdict, setVerdict] = useState<boolean | null>(null);
  const [rating, setRating] = useState<number | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [tagInput, setTagInput] = useState('');
  const [notes, setNotes] = useState('');
  const [state, setState] = useState<'editing' | 'saving' | 'saved'>('editing');
  const [error, setError] = useState<string | null>(null);

  function addTag(text: string) {
    const tag = normalizeTag(text);
    if (tag && !tags.includes(tag)) setTags((current) => [...current, tag]);
    setTagInput('');
  }

  function onTagKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      addTag(tagInput);
    } else if (event.key === 'Backspace' && !tagInput && tags.length > 0) {
      setTags((current) => current.slice(0, -1));
    }
  }

  async function submit() {
    if (verdict === null) return;
    const pending = normalizeTag(tagInput);
    const allTags = pending && !tags.includes(pending) ? [...tags, pending] : tags;
    setState('saving');
    setError(null);
    try {
      await apiFetch('/api/evaluations', {
        json: {
          message_id: messageId,
          success: verdict,
          rating: rating ?? undefined,
          failure_tags: verdict ? [] : allTags,
          notes: notes.trim() || undefined,
        },
      });
      setTags(allTags);
      setTagInput('');
      setState('saved');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setState('editing');
    }
  }

  if (state === 'saved') {
    return (
      <div className="mt-2 flex flex-wrap items-center gap-2 text-xs text-slate-500" data-testid="evaluation-saved">
        <span className={`font-medium ${verdict ? 'text-emerald-700' : 'text-red-700'}`}>{verdict ? 'Marked as good' : 'Marked as failed'}</span>
        {rating && <span>· {rating}/5</span>}
        {!verdict && tags.map((tag) => <span key={tag} className="rounded-full bg-red-50 px-2 py-px text-red-700 ring-1 ring-inset ring-red-600/20">{tag}</span>)}
        <button type="button" className="text-indigo-600 hover:text-indigo-800" onClick={() => setState('editing')}>
          Edit
        </button>
      </div>
    );
  }

  const thumb = (active: boolean, tone: 'good' | 'bad') =>
    `inline-flex h-7 items-center gap-1 rounded-md px-2 text-xs font-medium ring-1 ring-inset transition-colors ${
      active
        ? tone === 'good'
          ? 'bg-emerald-50 text-emerald-700 ring-emerald-600/30'
          : 'bg-red-50 text-red-700 ring-red-600/30'
        : 'bg-white text-slate-500 ring-slate-200 hover:text-slate-800'
    }`;

  return (
    <div className="mt-2" data-testid="evaluation">
      <div className="flex items-center gap-1.5">
        <span className="mr-1 text-xs text-slate-400">Evaluate:</span>
        <button type="button" className={thumb(verdict === true, 'good')} onClick={() => setVerdict(true)} aria-pressed={verdict === true} data-testid="evaluate-success" title="Good answer">
          <ThumbIcon /> Good
        </button>
        <button type="button" className={thumb(verdict === false, 'bad')} onClick={() => setVerdict(false)} aria-pressed={verdict === false} data-testid="evaluate-fail" title="Failed answer">
          <ThumbIcon down /> Failed
        </button>
      </div>
      {verdict !== null && (
        <div className="mt-2 space-y-2 rounded-lg border border-slate-200 bg-slate-50 p-3 text-xs">
          <div className="flex items-center gap-1">
            <span className="w-14 text-slate-500">Rating</span>
            {[1, 2, 3, 4, 5].map((n) => (
              <button
                key={n}
                type="button"
                onClick={() => setRating(rating === n ? null : n)}
                aria-pressed={rating === n}
                className={`h-6 w-6 rounded-md font-medium ring-1 ring-inset ${rating !== null && n <= rating ? 'bg-amber-100 text-amber-800 ring-amber-300' : 'bg-white text-slate-500 ring-slate-200 hover:text-slate-800'}`}
                data-testid={`evaluation-rating-${n}`}
              >
                {n}
              </button>
            ))}
          </div>
          {verdict === false && (
            <div className="flex items-start gap-1">
              <span className="w-14 pt-1 text-slate-500">Tags</span>
              <div className="flex-1">
                <div className="flex flex-wrap items-center gap-1 rounded-md border border-slate-200 bg-white px-1.5 py-1">
                  {tags.map((tag) => (
                    <span key={tag} className="inline-flex items-center gap-1 rounded-full bg-red-50 px-2 py-px text-red-700 ring-1 ring-inset ring-red-600/20" data-testid="evaluation-tag">
                      {tag}
                      <button type="button" aria-label={`Remove ${tag}`} onClick={() => setTags(tags.filter((t) => t !== tag))} className="text-red-400 hover:text-red-700">
                        ×
                      </button>
                    </span>
                  ))}
                  <input
                    value={tagInput}
                    onChange={(e) => setTagInput(e.target.value)}
                    onKeyDown={onTagKey}
                    onBlur={() => tagInput.trim() && addTag(tagInput)}
                    placeholder={tags.length ? '' : 'Type a tag, Enter to add'}
                    className="min-w-[8rem] flex-1 bg-transparent px-1 py-0.5 outline-none"
                    aria-label="Failure tags"
                    data-testid="evaluation-tags"
                  />
                </div>
                <div className="mt-1 flex flex-wrap gap-1">
                  {SUGGESTED_TAGS.filter((t) => !tags.includes(t)).map((tag) => (
                    <button key={tag} type="button" onClick={() => addTag(tag)} className="rounded-full bg-white px-2 py-px text-slate-500 ring-1 ring-inset ring-slate-200 hover:text-slate-800" data-testid={`evaluation-suggest-${tag}`}>
                      + {tag}
                    </button>
                  ))}
                </div>
              </div>
            </div>
          )}
          <div className="flex items-start gap-1">
            <span className="w-14 pt-1 text-slate-500">Notes</span>
            <textarea
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
              rows={2}
              maxLength={5000}
              placeholder="Optional"
              className="flex-1 resize-y rounded-md border border-slate-200 bg-white px-2 py-1 outline-none focus:border-indigo-400"
              data-testid="evaluation-notes"
            />
          </div>
          <div className="flex items-center gap-2 pl-14">
            <button
              type="button"
              onClick={submit}
              disabled={state === 'saving'}
              className="h-7 rounded-md bg-indigo-600 px-3 font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60"
              data-testid="evaluation-submit"
            >
              {state === 'saving' ? 'Saving…' : 'Save evaluation'}
            </button>
            {error && (
              <span className="text-red-600" role="alert" data-testid="evaluation-error">
                {error}
              </span>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
