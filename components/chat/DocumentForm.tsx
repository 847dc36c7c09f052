'use client';

import { useState, type FormEvent } from 'react';
import { apiFetch } from '@/lib/client/api';

/** "Add document to knowledge base": title + content → POST /api/documents. */
export function DocumentForm() {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setStatus(null);
    try {
      await apiFetch('/api/documents', { json: { title: title.trim(), content } });
      setStatus({ kind: 'ok', text: `Added “${title.trim()}”. Turn on “Knowledge base” to use it.` });
      setTitle('');
      setContent('');
    } catch (error) {
      setStatus({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      setSaving(false);
    }
  }

  const input = 'w-full rounded-md border border-slate-200 bg-white px-2 py-1.5 text-sm outline-none focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100';
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid="document-form">
      <button type="button" onClick={() => setOpen(!open)} className="flex w-full items-center justify-between text-left text-sm font-medium text-slate-900" aria-expanded={open}>
        Add document to knowledge base
        <span className="text-slate-400">{open ? '−' : '+'}</span>
      </button>
      {open && (
        <form onSubmit={submit} className="mt-3 space-y-2">
          <input className={input} placeholder="Title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} data-testid="document-title" />
          <textarea className={`${input} resize-y`} rows={5} placeholder="Content" value={content} onChange={(e) => setContent(e.target.value)} required data-testid="document-content" />
          <button
            type="submit"
            disabled={saving || !title.trim() || !content.trim()}
            className="h-8 rounded-md bg-slate-900 px-3 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-50"
            data-testid="document-submit"
          >
            {saving ? 'Adding…' : 'Add document'}
          </button>
          {status && (
            <p className={`text-xs ${status.kind === 'ok' ? 'text-emerald-700' : 'text-red-600'}`} role="status">
              {status.text}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
