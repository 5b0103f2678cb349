/**
 * JSON shown pretty and collapsible: every object and array with members has a button that
 * folds it to `{…}` / `[…]`. The text is exactly `JSON.stringify(value, null, 2)` — the fold
 * buttons carry no text and a folded body is only hidden — so what is selected or copied from
 * the page is the JSON itself.
 */
import { useState } from 'preact/hooks';

/**
 * The JSON value, with its members foldable; `name` says what it is in the fold buttons'
 * labels ("Fold the value.items (3 items)").
 *
 * @example
 * <pre><JsonTree value={{ total: 9 }} name="the value" /></pre>
 */
export function JsonTree({ value, name }: { value: unknown; name: string }) {
  return <JsonNode value={value} indent="" path={name} />;
}

function JsonNode({ value, indent, path }: { value: unknown; indent: string; path: string }) {
  const [open, setOpen] = useState(true);
  if (value === null || typeof value !== 'object') {
    return <span class={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>;
  }
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray
    ? (value as unknown[]).map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  const [openMark, closeMark] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return <span>{`${openMark}${closeMark}`}</span>;
  const inner = `${indent}  `;
  const what = isArray ? `${entries.length} items` : `${entries.length} keys`;
  return (
    <span class="json-group">
      <button
        type="button"
        class="json-fold"
        aria-expanded={open}
        aria-label={`${open ? 'Fold' : 'Unfold'} ${path} (${what})`}
        onClick={() => setOpen(!open)}
      />
      {openMark}
      <span class="json-body" hidden={!open}>
        {entries.map(([key, child], i) => (
          <span key={key}>
            {`\n${inner}`}
            {!isArray && <span class="json-key">{`${JSON.stringify(key)}: `}</span>}
            <JsonNode value={child} indent={inner} path={isArray ? `${path}[${key}]` : `${path}.${key}`} />
            {i < entries.length - 1 ? ',' : ''}
          </span>
        ))}
        {`\n${indent}`}
      </span>
      <span class="json-close">{closeMark}</span>
    </span>
  );
}
