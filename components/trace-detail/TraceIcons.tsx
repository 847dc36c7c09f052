import type { ReactNode, SVGProps } from 'react';
import { opStyle } from './op-style';

type IconProps = SVGProps<SVGSVGElement>;

function Svg({ children, ...props }: IconProps) {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      {...props}
    >
      {children}
    </svg>
  );
}

const OP_PATHS: Record<string, ReactNode> = {
  llm_call: (
    <>
      <path d="M12 3l1.8 4.9L18.7 9.7l-4.9 1.8L12 16.4l-1.8-4.9L5.3 9.7l4.9-1.8z" />
      <path d="M18.5 15.5l.7 1.8 1.8.7-1.8.7-.7 1.8-.7-1.8-1.8-.7 1.8-.7z" />
    </>
  ),
  tool_call: (
    <path d="M14.7 6.3a1 1 0 0 0 0 1.4l1.6 1.6a1 1 0 0 0 1.4 0l3.8-3.8a6 6 0 0 1-7.9 7.9l-6.9 6.9a2.1 2.1 0 0 1-3-3l6.9-6.9a6 6 0 0 1 7.9-7.9l-3.8 3.8z" />
  ),
  retrieval: (
    <>
      <circle cx="11" cy="11" r="6.5" />
      <path d="M20.5 20.5l-4.8-4.8" />
    </>
  ),
  embedding: (
    <>
      <path d="M8 4H5v16h3M16 4h3v16h-3" />
      <circle cx="9.5" cy="12" r="0.6" fill="currentColor" />
      <circle cx="12" cy="12" r="0.6" fill="currentColor" />
      <circle cx="14.5" cy="12" r="0.6" fill="currentColor" />
    </>
  ),
  chain: (
    <>
      <path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7" />
      <path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7" />
    </>
  ),
  agent: (
    <>
      <rect x="4" y="8" width="16" height="12" rx="2" />
      <path d="M12 4v4M9 13v2M15 13v2" />
    </>
  ),
  other: <circle cx="12" cy="12" r="4" />,
};

/** A tinted chip with the operation type's icon. */
export function OpIcon({ op, size = 'sm' }: { op: unknown; size?: 'sm' | 'md' }) {
  const style = opStyle(op);
  const paths = OP_PATHS[typeof op === 'string' && op in OP_PATHS ? op : 'other'];
  const box = size === 'md' ? 'h-7 w-7 rounded-md' : 'h-[18px] w-[18px] rounded';
  const icon = size === 'md' ? 'h-4 w-4' : 'h-3 w-3';
  return (
    <span className={`inline-flex shrink-0 items-center justify-center ring-1 ring-inset ${box} ${style.chip}`} title={style.label}>
      <Svg className={icon}>{paths}</Svg>
    </span>
  );
}

export function ChevronIcon(props: IconProps) {
  return (
    <Svg {...props}>
      <path d="M9 6l6 6-6 6" />
    </Svg>
  );
}

export function CopyIcon(props: IconProps) {
  return (
    <Svg {...props}>
      <rect x="9" y="9" width="11" height="11" rx="2" />
      <path d="M5 15V6a2 2 0 0 1 2-2h8" />
    </Svg>
  );
}

export function CheckIcon(props: IconProps) {
  return (
    <Svg {...props}>
      <path d="M5 12.5l4.5 4.5L19 7.5" />
    </Svg>
  );
}

export function DownloadIcon(props: IconProps) {
  return (
    <Svg {...props}>
      <path d="M12 4v11M7 10.5l5 5 5-5M5 20h14" />
    </Svg>
  );
}

export function ExpandAllIcon(props: IconProps) {
  return (
    <Svg {...props}>
      <path d="M7 8l5-4 5 4M7 16l5 4 5-4" />
    </Svg>
  );
}

export function CollapseAllIcon(props: IconProps) {
  return (
    <Svg {...props}>
      <path d="M7 4l5 4 5-4M7 20l5-4 5 4" />
    </Svg>
  );
}

export function CloseIcon(props: IconProps) {
  return (
    <Svg {...props}>
      <path d="M6 6l12 12M18 6L6 18" />
    </Svg>
  );
}

/** Filled red dot: the span itself failed. Hollow red ring: a descendant failed. */
export function ErrorMark({ own, descendant }: { own: boolean; descendant: boolean }) {
  if (own) {
    return (
      <span
        data-error-mark="own"
        className="inline-block h-2 w-2 shrink-0 rounded-full bg-red-500"
        title="This span failed"
        aria-label="failed"
      />
    );
  }
  if (descendant) {
    return (
      <span
        data-error-mark="descendant"
        className="inline-block h-2 w-2 shrink-0 rounded-full border-[1.5px] border-red-500"
        title="A descendant span failed"
        aria-label="a descendant failed"
      />
    );
  }
  return null;
}
