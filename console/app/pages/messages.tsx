/**
 * Messages of a topic — all partitions merged by timestamp, or one — read from the beginning,
 * the end, a date and time or an offset, decoded as JSON (collapsible), text or hex (chosen per
 * field, switchable), filtered, followed live, copied as JSON; and a form to produce a record.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  call,
  cluster,
  type FetchAnswer,
  type FetchedRecord,
  messageOf,
  type Partition,
  seg,
  type Topic,
} from '../api';
import { detectFormat, type Format, fromBase64, recordData, show, textToBase64 } from '../decode';
import { JsonTree } from '../json-tree';
import { mergeByTimestamp, needsRead, type PartitionCursor } from '../merge';
import { FROM_EARLIEST, type Position, PositionInput, timestampOf } from '../position';
import { FieldError, useInterval } from '../ui';

/** Records one read asks for; the live tail keeps at most {@link KEPT} on the page. */
const PAGE = 50;
const KEPT = 500;
const TAIL_EVERY_MS = 1_000;
/** Reads of the partitions one click may make while merging. */
const MAX_ROUNDS = 10;

type Choice = 'auto' | Format;

export function MessagesPage({ topic }: { topic?: string }) {
  const [topics, setTopics] = useState<Topic[]>();
  const [listError, setListError] = useState<string>();
  useEffect(() => {
    cluster()
      .then((base) => call<{ data: Topic[] }>('GET', `${base}/topics`))
      .then((list) => setTopics(list.data.sort((a, b) => a.topic_name.localeCompare(b.topic_name))))
      .catch((error) => setListError(messageOf(error)));
  }, []);
  const current = topics?.find((t) => t.topic_name === topic);
  return (
    <section aria-labelledby="messages-title">
      <div class="page-head">
        <h1 id="messages-title">Messages{topic ? `: ${topic}` : ''}</h1>
        <label class="inline">
          Topic
          <select
            name="topic"
            value={topic ?? ''}
            onChange={(e) => {
              location.hash = `#/messages/${encodeURIComponent(e.currentTarget.value)}`;
            }}
          >
            <option value="">Choose a topic…</option>
            {topics?.map((t) => (
              <option key={t.topic_name} value={t.topic_name}>
                {t.topic_name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {listError && (
        <p class="field-error" role="alert">
          {listError}
        </p>
      )}
      {topic && topics && !current && <p role="alert">There is no topic "{topic}".</p>}
      {current && (
        <>
          <Browser topic={current} />
          <ProduceForm topic={current} />
        </>
      )}
    </section>
  );
}

/** Labels of the start positions, as a reader means them. */
const STARTS = {
  earliest: 'the beginning',
  latest: `the end (last ${PAGE})`,
  timestamp: 'a date and time',
  offset: 'an offset',
} as const;

type Cursor = PartitionCursor<FetchedRecord>;
type FilterBy = 'text' | 'key';

function Browser({ topic }: { topic: Topic }) {
  const [partition, setPartition] = useState<number | 'all'>('all');
  const [start, setStart] = useState<Position>(FROM_EARLIEST);
  const [format, setFormat] = useState<Choice>('auto');
  const [records, setRecords] = useState<FetchedRecord[]>([]);
  const [cursors, setCursors] = useState<Cursor[]>();
  const [error, setError] = useState<string>();
  const [tailing, setTailing] = useState(false);
  const [filter, setFilter] = useState('');
  const [filterBy, setFilterBy] = useState<FilterBy>('text');
  const busy = useRef(false);
  const partitions =
    partition === 'all' ? Array.from({ length: topic.partitions_count }, (_, p) => p) : [partition];
  const base = async (p: number) => `${await cluster()}/topics/${seg(topic.topic_name)}/partitions/${p}`;

  /** Reads one partition from `query` (where to start) into a cursor. */
  async function readPartition(p: number, query: string): Promise<Cursor> {
    const answer = await call<FetchAnswer>('GET', `${await base(p)}/records?${query}&max_records=${PAGE}`);
    return { partition: p, buffer: answer.records, next: answer.next_offset, end: answer.log_end_offset };
  }

  /** Where each partition starts for the chosen position, as a fetch query. */
  async function startQuery(p: number): Promise<string> {
    switch (start.kind) {
      case 'earliest':
        return 'offset=0&auto_offset_reset=earliest';
      case 'latest': {
        const offsets = await call<Partition>('GET', await base(p));
        return `offset=${Math.max(offsets.log_start_offset, offsets.log_end_offset - PAGE)}`;
      }
      case 'timestamp': {
        const when = timestampOf(start);
        if ('error' in when) throw new Error(when.error);
        return `timestamp=${when.ms}`;
      }
      case 'offset':
        return `offset=${encodeURIComponent(start.offset.trim())}`;
    }
  }

  /**
   * Merges up to a page from the cursors, reading further each partition the merge waits for,
   * or with `again` every partition whose buffer is empty (read more, the live tail).
   */
  async function fill(from: Cursor[], again: boolean, limit: number) {
    let current = await refill(from, (c) => (again ? c.buffer.length === 0 : needsRead(c)));
    const shown: FetchedRecord[] = [];
    // Each round reads on from where the last stopped; the bound keeps a click from becoming
    // an unbounded walk (the next click goes on).
    for (let round = 0; ; round++) {
      const merged = mergeByTimestamp(current, limit - shown.length);
      shown.push(...merged.records);
      current = merged.cursors;
      if (shown.length >= limit || round >= MAX_ROUNDS || !current.some(needsRead)) {
        return { shown, cursors: current };
      }
      current = await refill(current, needsRead);
    }
  }

  async function refill(from: Cursor[], wanted: (cursor: Cursor) => boolean): Promise<Cursor[]> {
    return Promise.all(
      from.map(async (c) => {
        if (!wanted(c)) return c;
        const read = await readPartition(c.partition, `offset=${c.next}`);
        return { ...read, buffer: [...c.buffer, ...read.buffer] };
      }),
    );
  }

  async function read(event?: Event) {
    event?.preventDefault();
    setError(undefined);
    try {
      const first = await Promise.all(partitions.map(async (p) => readPartition(p, await startQuery(p))));
      // From the end: everything read is the tail of each partition; show the latest page of it.
      const { shown, cursors: after } =
        start.kind === 'latest'
          ? await fill(first, false, Number.POSITIVE_INFINITY)
          : await fill(first, false, PAGE);
      setRecords(start.kind === 'latest' ? shown.slice(-PAGE) : shown);
      setCursors(after);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  async function more() {
    if (cursors === undefined || busy.current) return;
    busy.current = true;
    try {
      const { shown, cursors: after } = await fill(cursors, true, PAGE);
      setRecords((kept) => [...kept, ...shown].slice(-KEPT));
      setCursors(after);
      setError(undefined);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      busy.current = false;
    }
  }

  // A new partition choice or a new topic starts over.
  useEffect(() => {
    setRecords([]);
    setCursors(undefined);
    void read();
  }, [topic.topic_name, partition]);

  useInterval(() => void more(), TAIL_EVERY_MS, tailing && cursors !== undefined);

  const needle = filter.trim();
  const shown = needle === '' ? records : records.filter((r) => matches(r, needle, filterBy));
  const unread = cursors?.some((c) => c.buffer.length > 0 || c.next < c.end) ?? false;
  const where =
    partition === 'all'
      ? `All ${topic.partitions_count} partitions, merged by timestamp`
      : `Partition ${partition}`;
  return (
    <div class="panel">
      <form class="toolbar" onSubmit={read} aria-label="Read messages">
        <label>
          Partition
          <select
            name="partition"
            value={partition}
            onChange={(e) => {
              const chosen = e.currentTarget.value;
              // An offset means nothing across partitions.
              if (chosen === 'all' && start.kind === 'offset') setStart(FROM_EARLIEST);
              setPartition(chosen === 'all' ? 'all' : Number(chosen));
            }}
          >
            <option value="all">all, by timestamp</option>
            {Array.from({ length: topic.partitions_count }, (_, p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <PositionInput
          label="From"
          name="start"
          value={start}
          onChange={setStart}
          labels={STARTS}
          kinds={partition === 'all' ? ['earliest', 'latest', 'timestamp'] : undefined}
          errorId="read-error"
          invalid={error !== undefined}
        />
        <button type="submit">Read</button>
        <label>
          Show as
          <select name="format" value={format} onChange={(e) => setFormat(e.currentTarget.value as Choice)}>
            <option value="auto">auto</option>
            <option value="json">JSON</option>
            <option value="text">text</option>
            <option value="hex">hex</option>
          </select>
        </label>
        <label>
          Filter by
          <select
            name="filter_by"
            value={filterBy}
            onChange={(e) => setFilterBy(e.currentTarget.value as FilterBy)}
          >
            <option value="text">key, value or header contains</option>
            <option value="key">key is</option>
          </select>
        </label>
        <label>
          Filter
          <input
            name="filter"
            type="search"
            value={filter}
            placeholder={filterBy === 'key' ? 'the whole key' : 'text…'}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="tail"
            checked={tailing}
            onChange={(e) => setTailing(e.currentTarget.checked)}
          />
          Live tail
        </label>
      </form>
      <FieldError id="read-error" message={error} />
      <p class="status" aria-live="polite">
        {cursors &&
          `${where}: showing ${shown.length} of ${records.length} read${tailing ? ', following new records' : ''}.`}
      </p>
      <ol class="records" aria-label="Records">
        {shown.map((record) => (
          <RecordView
            key={`${record.partition_id}-${record.offset}`}
            record={record}
            format={format}
            showPartition={partition === 'all'}
          />
        ))}
      </ol>
      {!tailing && unread && (
        <button type="button" onClick={() => void more()}>
          Read more
        </button>
      )}
    </div>
  );
}

/** The filter: the key exactly, or a piece of text in the key, the value or a header value. */
function matches(record: FetchedRecord, needle: string, by: FilterBy): boolean {
  const text = (data: string | null) => {
    const bytes = fromBase64(data);
    return bytes ? new TextDecoder().decode(bytes) : '';
  };
  if (by === 'key') return record.key !== null && text(record.key) === needle;
  const lower = needle.toLowerCase();
  return [record.key, record.value, ...record.headers.map((h) => h.value)].some((data) =>
    text(data).toLowerCase().includes(lower),
  );
}

function RecordView({
  record,
  format,
  showPartition,
}: {
  record: FetchedRecord;
  format: Choice;
  showPartition: boolean;
}) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    const decoded = {
      partition: record.partition_id,
      offset: record.offset,
      timestamp: record.timestamp,
      key: plain(record.key),
      value: plain(record.value),
      headers: record.headers.map((h) => ({ name: h.name, value: plain(h.value) })),
    };
    try {
      await navigator.clipboard.writeText(JSON.stringify(decoded, null, 2));
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <li class="record" data-partition={record.partition_id} data-offset={record.offset}>
      <div class="record-head">
        {showPartition && (
          <span>
            partition <strong>{record.partition_id}</strong>
          </span>
        )}
        <span>
          offset <strong>{record.offset}</strong>
        </span>
        <time dateTime={record.timestamp}>{record.timestamp}</time>
        <button
          type="button"
          onClick={() => void copy()}
          aria-label={`Copy record ${record.partition_id}-${record.offset} as JSON`}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <dl>
        <dt>Key</dt>
        <dd data-field="key">
          <Bytes data={record.key} format={format} name="the key" />
        </dd>
        <dt>Value</dt>
        <dd data-field="value">
          <Bytes data={record.value} format={format} name="the value" />
        </dd>
        {record.headers.length > 0 && (
          <>
            <dt>Headers</dt>
            <dd>
              <ul class="headers">
                {record.headers.map((h, i) => (
                  <li key={i}>
                    <span class="header-name">{h.name}</span>
                    <Bytes data={h.value} format={format} name={`header ${h.name}`} />
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
    </li>
  );
}

/** Bytes for "copy as JSON": the JSON itself when they are JSON, else the text, else hex. */
function plain(data: string | null): unknown {
  const bytes = fromBase64(data);
  if (bytes === null) return null;
  const format = detectFormat(bytes);
  const { text } = show(bytes, format);
  return format === 'json' ? JSON.parse(text) : text;
}

/** One field's bytes in the chosen format; `name` says which field a fold button folds. */
function Bytes({ data, format, name }: { data: string | null; format: Choice; name: string }) {
  const bytes = fromBase64(data);
  if (bytes === null) return <span class="null">null</span>;
  const { shownAs, text } = show(bytes, format === 'auto' ? detectFormat(bytes) : format);
  return (
    <div class="bytes-field">
      <span class="format-tag">{shownAs}</span>
      <pre class="bytes" data-format={shownAs}>
        {shownAs === 'json' ? <JsonTree value={JSON.parse(text)} name={name} /> : text}
      </pre>
    </div>
  );
}

function ProduceForm({ topic }: { topic: Topic }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [type, setType] = useState<'auto' | 'JSON' | 'STRING'>('auto');
  const [headers, setHeaders] = useState('');
  const [partition, setPartition] = useState('');
  const [error, setError] = useState<{ field: string; message: string }>();
  const [result, setResult] = useState<string>();

  async function submit(event: Event) {
    event.preventDefault();
    setResult(undefined);
    try {
      let data: ReturnType<typeof recordData>;
      try {
        data = recordData(value, type);
      } catch {
        setError({
          field: 'value',
          message: 'The value is not valid JSON: fix it or choose the type "text".',
        });
        return;
      }
      const headerList = headers
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const at = line.indexOf(':');
          const name = (at < 0 ? line : line.slice(0, at)).trim();
          return { name, value: textToBase64(at < 0 ? '' : line.slice(at + 1).trim()) };
        });
      const body: Record<string, unknown> = {
        value: data,
        ...(key === '' ? {} : { key: { type: 'STRING', data: key } }),
        ...(headerList.length === 0 ? {} : { headers: headerList }),
        ...(partition.trim() === ''
          ? {}
          : { partition_id: /^\d+$/.test(partition.trim()) ? Number(partition.trim()) : partition }),
      };
      const answer = await call<{
        error_code: number;
        message?: string;
        partition_id: number;
        offset: number;
      }>('POST', `${await cluster()}/topics/${seg(topic.topic_name)}/records`, body);
      // Confluent's produce model: a refused record is answered 200 with its own error code.
      if (answer.error_code !== 200) {
        throw new ApiError(answer.message ?? `error ${answer.error_code}`, 200, answer.error_code);
      }
      setError(undefined);
      setResult(`Produced to partition ${answer.partition_id} at offset ${answer.offset}.`);
    } catch (caught) {
      const message = messageOf(caught);
      const field = /partition/i.test(message)
        ? 'partition'
        : /header/i.test(message)
          ? 'headers'
          : /key/i.test(message)
            ? 'key'
            : 'value';
      setError({ field, message });
    }
  }

  const errorOf = (field: string) => (error?.field === field ? error.message : undefined);
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="produce-title">
      <h2 id="produce-title">Produce a record</h2>
      <div class="fields">
        <div class="field">
          <label>
            Key <span class="hint">(empty: no key)</span>
            <input
              name="key"
              value={key}
              aria-describedby="produce-key-error"
              onInput={(e) => setKey(e.currentTarget.value)}
            />
          </label>
          <FieldError id="produce-key-error" message={errorOf('key')} />
        </div>
        <div class="field">
          <label>
            Partition <span class="hint">(empty: by key)</span>
            <input
              name="partition_id"
              inputMode="numeric"
              value={partition}
              aria-invalid={errorOf('partition') ? true : undefined}
              aria-describedby="produce-partition-error"
              onInput={(e) => setPartition(e.currentTarget.value)}
            />
          </label>
          <FieldError id="produce-partition-error" message={errorOf('partition')} />
        </div>
        <label>
          Value type
          <select
            name="value_type"
            value={type}
            onChange={(e) => setType(e.currentTarget.value as typeof type)}
          >
            <option value="auto">auto (JSON when it parses)</option>
            <option value="JSON">JSON</option>
            <option value="STRING">text</option>
          </select>
        </label>
      </div>
      <div class="field">
        <label>
          Value
          <textarea
            name="value"
            rows={4}
            value={value}
            aria-invalid={errorOf('value') ? true : undefined}
            aria-describedby="produce-value-error"
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </label>
        <FieldError id="produce-value-error" message={errorOf('value')} />
      </div>
      <div class="field">
        <label>
          Headers <span class="hint">(one "name: value" a line)</span>
          <textarea
            name="headers"
            rows={2}
            value={headers}
            aria-describedby="produce-headers-error"
            onInput={(e) => setHeaders(e.currentTarget.value)}
          />
        </label>
        <FieldError id="produce-headers-error" message={errorOf('headers')} />
      </div>
      <button type="submit">Produce</button>
      <p class="status" role="status">
        {result ?? ''}
      </p>
    </form>
  );
}
