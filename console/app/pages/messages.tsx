/**
 * Messages of one topic partition: read from the beginning, the end or an offset, decoded as
 * JSON, text or hex (chosen per field, switchable), follow new ones live, produce a record.
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
import { FieldError, useInterval } from '../ui';

/** Records one read asks for; the live tail keeps at most {@link KEPT} on the page. */
const PAGE = 50;
const KEPT = 500;
const TAIL_EVERY_MS = 1_000;

type Start = 'beginning' | 'end' | 'offset';
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

function Browser({ topic }: { topic: Topic }) {
  const [partition, setPartition] = useState(0);
  const [start, setStart] = useState<Start>('beginning');
  const [offset, setOffset] = useState('0');
  const [format, setFormat] = useState<Choice>('auto');
  const [records, setRecords] = useState<FetchedRecord[]>([]);
  const [next, setNext] = useState<number>();
  const [range, setRange] = useState<{ start: number; end: number }>();
  const [error, setError] = useState<string>();
  const [tailing, setTailing] = useState(false);
  const [filter, setFilter] = useState('');
  const busy = useRef(false);
  const path = async () => `${await cluster()}/topics/${seg(topic.topic_name)}/partitions/${partition}`;

  async function read(event?: Event) {
    event?.preventDefault();
    setError(undefined);
    try {
      let from: number;
      if (start === 'offset') {
        if (!/^\d+$/.test(offset.trim())) throw new Error('The offset is a whole number, 0 or more.');
        from = Number(offset.trim());
      } else {
        const p = await call<Partition>('GET', await path());
        from =
          start === 'beginning' ? p.log_start_offset : Math.max(p.log_start_offset, p.log_end_offset - PAGE);
      }
      const answer = await call<FetchAnswer>(
        'GET',
        `${await path()}/records?offset=${from}&max_records=${PAGE}`,
      );
      setRecords(answer.records);
      setNext(answer.next_offset);
      setRange({ start: answer.log_start_offset, end: answer.log_end_offset });
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  async function more() {
    if (next === undefined || busy.current) return;
    busy.current = true;
    try {
      const answer = await call<FetchAnswer>(
        'GET',
        `${await path()}/records?offset=${next}&max_records=${PAGE}`,
      );
      setRecords((kept) => [...kept, ...answer.records].slice(-KEPT));
      setNext(answer.next_offset);
      setRange({ start: answer.log_start_offset, end: answer.log_end_offset });
      setError(undefined);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      busy.current = false;
    }
  }

  // A new partition or a new topic starts over.
  useEffect(() => {
    setRecords([]);
    setNext(undefined);
    void read();
  }, [topic.topic_name, partition]);

  useInterval(() => void more(), TAIL_EVERY_MS, tailing && next !== undefined);

  const needle = filter.trim().toLowerCase();
  const shown = needle === '' ? records : records.filter((r) => matches(r, needle));
  return (
    <div class="panel">
      <form class="toolbar" onSubmit={read} aria-label="Read messages">
        <label>
          Partition
          <select
            name="partition"
            value={partition}
            onChange={(e) => setPartition(Number(e.currentTarget.value))}
          >
            {Array.from({ length: topic.partitions_count }, (_, p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <select name="start" value={start} onChange={(e) => setStart(e.currentTarget.value as Start)}>
            <option value="beginning">the beginning</option>
            <option value="end">the end (last {PAGE})</option>
            <option value="offset">an offset</option>
          </select>
        </label>
        {start === 'offset' && (
          <label>
            Offset
            <input
              name="offset"
              inputMode="numeric"
              value={offset}
              aria-describedby="offset-error"
              onInput={(e) => setOffset(e.currentTarget.value)}
            />
          </label>
        )}
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
          Filter
          <input
            name="filter"
            type="search"
            value={filter}
            placeholder="key or value contains…"
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
      <FieldError id="offset-error" message={error} />
      <p class="status" aria-live="polite">
        {range &&
          `Partition ${partition}: offsets ${range.start} to ${range.end - 1 < range.start ? '(empty)' : range.end - 1}; showing ${shown.length} of ${records.length} read${tailing ? ', following new records' : ''}.`}
      </p>
      <ol class="records" aria-label="Records">
        {shown.map((record) => (
          <RecordView key={record.offset} record={record} format={format} />
        ))}
      </ol>
      {!tailing && next !== undefined && range && next < range.end && (
        <button type="button" onClick={() => void more()}>
          Read more
        </button>
      )}
    </div>
  );
}

function matches(record: FetchedRecord, needle: string): boolean {
  const text = (data: string | null) => {
    const bytes = fromBase64(data);
    return bytes ? new TextDecoder().decode(bytes).toLowerCase() : '';
  };
  return text(record.key).includes(needle) || text(record.value).includes(needle);
}

function RecordView({ record, format }: { record: FetchedRecord; format: Choice }) {
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
    <li class="record" data-offset={record.offset}>
      <div class="record-head">
        <span>
          offset <strong>{record.offset}</strong>
        </span>
        <time dateTime={record.timestamp}>{record.timestamp}</time>
        <button type="button" onClick={() => void copy()} aria-label={`Copy record ${record.offset} as JSON`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <dl>
        <dt>Key</dt>
        <dd data-field="key">
          <Bytes data={record.key} format={format} />
        </dd>
        <dt>Value</dt>
        <dd data-field="value">
          <Bytes data={record.value} format={format} />
        </dd>
        {record.headers.length > 0 && (
          <>
            <dt>Headers</dt>
            <dd>
              <ul class="headers">
                {record.headers.map((h, i) => (
                  <li key={i}>
                    <span class="header-name">{h.name}</span>
                    <Bytes data={h.value} format={format} />
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

function Bytes({ data, format }: { data: string | null; format: Choice }) {
  const bytes = fromBase64(data);
  if (bytes === null) return <span class="null">null</span>;
  const { shownAs, text } = show(bytes, format === 'auto' ? detectFormat(bytes) : format);
  return (
    <div class="bytes-field">
      <span class="format-tag">{shownAs}</span>
      <pre class="bytes" data-format={shownAs}>
        {text}
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
