export function Logo({ size = 'md' }: { size?: 'md' | 'lg' }) {
  const box = size === 'lg' ? 'h-9 w-9' : 'h-7 w-7';
  const text = size === 'lg' ? 'text-xl' : 'text-base';
  return (
    <span className="inline-flex items-center gap-2">
      <span className={`${box} inline-flex items-center justify-center rounded-lg bg-indigo-600 text-white shadow-sm`}>
        <svg viewBox="0 0 24 24" className="h-4/6 w-4/6" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" aria-hidden>
          <path d="M4 6h9M7 12h11M10 18h8" />
        </svg>
      </span>
      <span className={`${text} font-semibold tracking-tight text-slate-900`}>LLMTrace</span>
    </span>
  );
}
