/**
 * Where to read from or reset to — the earliest record, the end, a date and time, or an
 * offset — as one control: the messages page starts reading there, the groups page resets a
 * group's offsets there. The choice is a select; the date or the offset field appears with it.
 */

/** The four places, in Kafka's words for a reset (`--to-earliest`, `--to-latest`, …). */
export type PositionKind = 'earliest' | 'latest' | 'timestamp' | 'offset';

/** The choice as the user left it: the kind, and the text of its field. */
export interface Position {
  readonly kind: PositionKind;
  /** A `datetime-local` value, in the browser's time zone. */
  readonly when: string;
  /** The offset as typed: the API checks it and says what is wrong. */
  readonly offset: string;
}

/** Where a new control starts. */
export const FROM_EARLIEST: Position = { kind: 'earliest', when: '', offset: '' };

/**
 * The milliseconds since the epoch of a chosen date and time, or an error message to show
 * next to the field when none is chosen.
 *
 * @example
 * timestampOf({ kind: 'timestamp', when: '2026-01-02T03:04:05', offset: '' }); // { ms: … }
 */
export function timestampOf(position: Position): { ms: number } | { error: string } {
  const ms = Date.parse(position.when);
  return Number.isNaN(ms) ? { error: 'Choose a date and time.' } : { ms };
}

/**
 * The select and, for a date or an offset, its field. `name` names the select (a form field
 * name); `labels` says each kind the way the page means it; `kinds` leaves some out; the
 * fields are described by the element `errorId` names, where the page shows the API's message.
 */
export function PositionInput(props: {
  label: string;
  name: string;
  value: Position;
  onChange: (position: Position) => void;
  labels: Readonly<Record<PositionKind, string>>;
  kinds?: readonly PositionKind[];
  errorId: string;
  invalid?: boolean;
}) {
  const kinds = props.kinds ?? (['earliest', 'latest', 'timestamp', 'offset'] as const);
  const { value, onChange } = props;
  return (
    <>
      <label>
        {props.label}
        <select
          name={props.name}
          value={value.kind}
          onChange={(e) => onChange({ ...value, kind: e.currentTarget.value as PositionKind })}
        >
          {kinds.map((kind) => (
            <option key={kind} value={kind}>
              {props.labels[kind]}
            </option>
          ))}
        </select>
      </label>
      {value.kind === 'timestamp' && (
        <label>
          Date and time <span class="hint">(local)</span>
          <input
            name={`${props.name}-timestamp`}
            type="datetime-local"
            step="1"
            value={value.when}
            aria-invalid={props.invalid ? true : undefined}
            aria-describedby={props.errorId}
            onInput={(e) => onChange({ ...value, when: e.currentTarget.value })}
          />
        </label>
      )}
      {value.kind === 'offset' && (
        <label>
          Offset
          <input
            name={`${props.name}-offset`}
            inputMode="numeric"
            value={value.offset}
            aria-invalid={props.invalid ? true : undefined}
            aria-describedby={props.errorId}
            onInput={(e) => onChange({ ...value, offset: e.currentTarget.value })}
          />
        </label>
      )}
    </>
  );
}
