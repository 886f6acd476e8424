/** Every callback value on a card whose action is `action` (what a tap would send), wherever the card holds it. */
export function valuesOf(cardJson: unknown, action: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.type === 'callback' && o.value && (o.value as { action?: string }).action === action) out.push(o.value as Record<string, unknown>);
      Object.values(o).forEach(walk);
    }
  };
  walk(cardJson);
  return out;
}
