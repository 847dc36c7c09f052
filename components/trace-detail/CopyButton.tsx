'use client';

import { useEffect, useState } from 'react';
import { CheckIcon, CopyIcon } from './TraceIcons';

async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Clipboard API refused (insecure context or permissions): fall back below.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/**
 * A small icon button that copies `value` and shows a check for a moment. Pass a function to
 * build a large value (e.g. a JSON dump) only when clicked.
 */
export function CopyButton({ value, label, className = '' }: { value: string | (() => string); label: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      title={copied ? 'Copied' : label}
      aria-label={label}
      data-copy-value={typeof value === 'string' ? value : undefined}
      onClick={(event) => {
        event.stopPropagation();
        void copyText(typeof value === 'string' ? value : value()).then(setCopied);
      }}
      className={`inline-flex h-6 w-6 shrink-0 items-center justify-center rounded text-slate-400 transition-colors hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-500 ${className}`}
    >
      {copied ? <CheckIcon className="h-3.5 w-3.5 text-emerald-600" /> : <CopyIcon className="h-3.5 w-3.5" />}
    </button>
  );
}
