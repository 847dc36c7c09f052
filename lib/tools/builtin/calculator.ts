import { z } from 'zod';
import { defineTool } from '../define';

/** A calculation the parser refuses: bad syntax, division by zero, an infinite result. */
export class ArithmeticError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArithmeticError';
  }
}

const MAX_DEPTH = 100;

type Token = { kind: 'number'; value: number; at: number } | { kind: 'op'; value: string; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    if (source.startsWith('**', i)) {
      tokens.push({ kind: 'op', value: '^', at: i });
      i += 2;
      continue;
    }
    if ('+-*/^%()'.includes(char)) {
      tokens.push({ kind: 'op', value: char, at: i });
      i++;
      continue;
    }
    throw new ArithmeticError(`Unexpected character "${char}" at position ${i + 1}. Use numbers, + - * / ^ % and parentheses.`);
  }
  return tokens;
}

/**
 * Evaluates an arithmetic expression with a recursive-descent parser (no `eval`): `+ - * / % ^`,
 * parentheses, unary minus and decimals. `^` binds tighter than unary minus and is
 * right-associative, so `-2^2` is -4 and `2^3^2` is 512.
 *
 * @example
 * evaluateArithmetic('(1 + 2) * -3.5 ^ 2') // -36.75
 */
export function evaluateArithmetic(expression: string): number {
  const tokens = tokenize(expression);
  let position = 0;
  let depth = 0;

  const peek = () => tokens[position];
  const isOp = (value: string) => peek()?.kind === 'op' && peek()!.value === value;

  function expr(): number {
    let value = term();
    while (isOp('+') || isOp('-')) {
      const op = tokens[position++].value;
      const right = term();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  function term(): number {
    let value = unary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = tokens[position++].value;
      const right = unary();
      if ((op === '/' || op === '%') && right === 0) throw new ArithmeticError('Division by zero.');
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  }

  function unary(): number {
    if (isOp('-') || isOp('+')) {
      const op = tokens[position++].value;
      const value = nested(unary);
      return op === '-' ? -value : value;
    }
    return power();
  }

  function power(): number {
    const base = primary();
    if (isOp('^')) {
      position++;
      return base ** nested(unary);
    }
    return base;
  }

  function primary(): number {
    const token = peek();
    if (!token) throw new ArithmeticError('The expression ends too early.');
    if (token.kind === 'number') {
      position++;
      return token.value;
    }
    if (token.value === '(') {
      position++;
      const value = nested(expr);
      if (!isOp(')')) throw new ArithmeticError(`Missing ")" for the "(" at position ${token.at + 1}.`);
      position++;
      return value;
    }
    throw new ArithmeticError(`Unexpected "${token.value}" at position ${token.at + 1}.`);
  }

  function nested(parse: () => number): number {
    if (++depth > MAX_DEPTH) throw new ArithmeticError(`The expression is nested more than ${MAX_DEPTH} levels deep.`);
    try {
      return parse();
    } finally {
      depth--;
    }
  }

  if (!tokens.length) throw new ArithmeticError('The expression is empty.');
  const result = expr();
  const extra = peek();
  if (extra) throw new ArithmeticError(`Unexpected "${String(extra.value)}" at position ${extra.at + 1}.`);
  if (!Number.isFinite(result)) throw new ArithmeticError('The result is not a finite number.');
  // 12 significant digits hide binary floating-point noise (0.1 + 0.2 → 0.3).
  return Number(result.toPrecision(12));
}

export const calculator = defineTool({
  name: 'calculator',
  description:
    'Evaluate an arithmetic expression exactly. Supports + - * / % ^ (power), parentheses, unary minus and decimals. ' +
    'Use it for any calculation instead of computing in your head.',
  schema: z.object({
    expression: z.string().min(1).max(1000).describe('The expression, e.g. "(12 + 3) * 7 / 2"'),
  }),
  handler: ({ expression }) => ({ expression, result: evaluateArithmetic(expression) }),
});
