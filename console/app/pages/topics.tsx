/** Topics: the list with partitions, retention and record counts; create, edit configs, delete. */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, cluster, messageOf, type Partition, seg, type Topic, type TopicConfig } from '../api';
import { Confirm, count, duration, FieldError } from '../ui';

interface TopicRow {
  name: string;
  partitions: number;
  retentionMs?: number;
  maxMessageBytes?: number;
  /** end − start summed over the partitions; undefined while loading or when it failed. */
  records?: number;
  /** Why the count could not be read (shown instead of a number), after one retry. */
  recordsError?: string;
}

/**
 * Why the size column says "—": the log keeps each batch's byte length in its slot, but no
 * running total, so a size would cost a read of every slot of every partition (docs/console.md).
 */
const SIZE_UNKNOWN =
  'Size: not known. The log keeps no running total of a partition’s bytes, and adding up every batch would read the whole log.';

/** The configs this page edits, as Kafka names them. */
const EDITABLE = ['retention.ms', 'max.message.bytes'] as const;

export function TopicsPage() {
  const [rows, setRows] = useState<TopicRow[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [editing, setEditing] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<string | undefined>();
  const [deleteError, setDeleteError] = useState<string | undefined>();

  async function load() {
    try {
      const base = await cluster();
      const [topics, configs] = await Promise.all([
        call<{ data: Topic[] }>('GET', `${base}/topics`),
        call<{ data: TopicConfig[] }>('GET', `${base}/topics/-/configs`),
      ]);
      const config = (topic: string, name: string) => {
        const value = configs.data.find((c) => c.topic_name === topic && c.name === name)?.value;
        return value == null ? undefined : Number(value);
      };
      const listed: TopicRow[] = topics.data
        .map((t) => ({
          name: t.topic_name,
          partitions: t.partitions_count,
          retentionMs: config(t.topic_name, 'retention.ms'),
          maxMessageBytes: config(t.topic_name, 'max.message.bytes'),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      setRows(listed);
      setLoadError(undefined);
      // Record counts cost a request per topic: they fill in as they come.
      const countOf = async (name: string) => {
        const partitions = await call<{ data: Partition[] }>('GET', `${base}/topics/${seg(name)}/partitions`);
        return partitions.data.reduce((sum, p) => sum + (p.log_end_offset - p.log_start_offset), 0);
      };
      const withCounts = await Promise.all(
        listed.map(async (row): Promise<TopicRow> => {
          try {
            return { ...row, records: await countOf(row.name) };
          } catch {
            // A busy server may refuse one request (503 is retriable): ask once more, then say so.
            try {
              return { ...row, records: await countOf(row.name) };
            } catch (error) {
              return { ...row, recordsError: messageOf(error) };
            }
          }
        }),
      );
      setRows(withCounts);
    } catch (error) {
      setLoadError(messageOf(error));
    }
  }

  useEffect(() => {
    void load();
  }, []);

  async function remove(name: string) {
    try {
      await call('DELETE', `${await cluster()}/topics/${seg(name)}`);
      setDeleting(undefined);
      setDeleteError(undefined);
      await load();
    } catch (error) {
      setDeleteError(messageOf(error));
    }
  }

  return (
    <section aria-labelledby="topics-title">
      <div class="page-head">
        <h1 id="topics-title">Topics</h1>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {loadError && (
        <p class="field-error" role="alert">
          {loadError}
        </p>
      )}
      {rows === undefined && !loadError && <p>Loading topics…</p>}
      {rows && rows.length === 0 && <p>No topics yet: create one below.</p>}
      {rows && rows.length > 0 && (
        <table class="grid">
          <caption class="visually-hidden">Topics</caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col" class="num">
                Partitions
              </th>
              <th scope="col">Retention</th>
              <th scope="col" class="num">
                Max message bytes
              </th>
              <th scope="col" class="num">
                Records
              </th>
              <th scope="col" class="num" aria-describedby="size-note">
                Size
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <Fragment key={row.name}>
                <tr data-topic={row.name}>
                  <th scope="row">
                    <a href={`#/messages/${encodeURIComponent(row.name)}`}>{row.name}</a>
                  </th>
                  <td class="num">{row.partitions}</td>
                  <td>{row.retentionMs === undefined ? '—' : duration(row.retentionMs)}</td>
                  <td class="num">{row.maxMessageBytes === undefined ? '—' : count(row.maxMessageBytes)}</td>
                  <td class="num" data-col="records">
                    {row.recordsError !== undefined ? (
                      <span title={row.recordsError}>
                        ?<span class="visually-hidden"> (not read: {row.recordsError})</span>
                      </span>
                    ) : row.records === undefined ? (
                      '…'
                    ) : (
                      count(row.records)
                    )}
                  </td>
                  <td class="num" data-col="size">
                    —
                  </td>
                  <td>
                    <div class="row-actions">
                      <button
                        type="button"
                        aria-expanded={editing === row.name}
                        aria-label={`Edit configs of ${row.name}`}
                        onClick={() => setEditing(editing === row.name ? undefined : row.name)}
                      >
                        Configs
                      </button>
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Delete ${row.name}`}
                        onClick={() => {
                          setDeleteError(undefined);
                          setDeleting(row.name);
                        }}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
                {editing === row.name && (
                  <tr>
                    <td colSpan={7}>
                      <ConfigForm
                        row={row}
                        onSaved={() => {
                          setEditing(undefined);
                          void load();
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {rows && rows.length > 0 && (
        <p id="size-note" class="hint">
          {SIZE_UNKNOWN}
        </p>
      )}
      <CreateTopicForm onCreated={() => void load()} />
      {deleting && (
        <Confirm
          title={`Delete topic ${deleting}?`}
          confirmLabel="Delete topic"
          error={deleteError}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => void remove(deleting)}
        >
          <p>
            Its records are deleted with it and cannot be read again. A topic created later under the same
            name starts empty.
          </p>
        </Confirm>
      )}
    </section>
  );
}

function CreateTopicForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [retention, setRetention] = useState('');
  const [error, setError] = useState<{ field: 'name' | 'partitions' | 'retention'; message: string }>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      const configs = retention.trim() === '' ? [] : [{ name: 'retention.ms', value: retention.trim() }];
      // Sent as typed: the API validates, and its message is the one shown.
      const partitionsCount = /^\d+$/.test(partitions.trim()) ? Number(partitions.trim()) : partitions;
      await call('POST', `${await cluster()}/topics`, {
        topic_name: name,
        partitions_count: partitionsCount,
        configs,
      });
      setError(undefined);
      setName('');
      onCreated();
    } catch (caught) {
      const message = messageOf(caught);
      const field = /retention/i.test(message)
        ? 'retention'
        : /partition/i.test(message)
          ? 'partitions'
          : 'name';
      setError({ field, message });
    } finally {
      setBusy(false);
    }
  }

  const errorOf = (field: string) => (error?.field === field ? error.message : undefined);
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">Create a topic</h2>
      <div class="fields">
        <div class="field">
          <label>
            Name
            <input
              name="topic_name"
              value={name}
              required
              aria-invalid={errorOf('name') ? true : undefined}
              aria-describedby="create-name-error"
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <FieldError id="create-name-error" message={errorOf('name')} />
        </div>
        <div class="field">
          <label>
            Partitions
            <input
              name="partitions_count"
              inputMode="numeric"
              value={partitions}
              aria-invalid={errorOf('partitions') ? true : undefined}
              aria-describedby="create-partitions-error"
              onInput={(e) => setPartitions(e.currentTarget.value)}
            />
          </label>
          <FieldError id="create-partitions-error" message={errorOf('partitions')} />
        </div>
        <div class="field">
          <label>
            retention.ms <span class="hint">(empty: 7 days; -1: forever)</span>
            <input
              name="retention_ms"
              inputMode="numeric"
              value={retention}
              aria-invalid={errorOf('retention') ? true : undefined}
              aria-describedby="create-retention-error"
              onInput={(e) => setRetention(e.currentTarget.value)}
            />
          </label>
          <FieldError id="create-retention-error" message={errorOf('retention')} />
        </div>
      </div>
      <button type="submit" disabled={busy}>
        Create topic
      </button>
    </form>
  );
}

function ConfigForm({ row, onSaved }: { row: TopicRow; onSaved: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({
    'retention.ms': row.retentionMs === undefined ? '' : String(row.retentionMs),
    'max.message.bytes': row.maxMessageBytes === undefined ? '' : String(row.maxMessageBytes),
  });
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function submit(event: Event) {
    event.preventDefault();
    const base = `${await cluster()}/topics/${seg(row.name)}/configs`;
    const found: Record<string, string> = {};
    // One PUT per config, each validated by the API on its own, so each error sits by its field.
    for (const name of EDITABLE) {
      const original = name === 'retention.ms' ? row.retentionMs : row.maxMessageBytes;
      if (values[name] === (original === undefined ? '' : String(original))) continue;
      try {
        await call('PUT', `${base}/${name}`, { value: values[name] });
      } catch (error) {
        found[name] = messageOf(error);
      }
    }
    setErrors(found);
    if (Object.keys(found).length === 0) onSaved();
  }

  const id = (name: string) => `config-${row.name}-${name.replace(/\./g, '-')}`;
  return (
    <form class="inline-form" onSubmit={submit} aria-label={`Configs of ${row.name}`}>
      {EDITABLE.map((name) => (
        <div class="field" key={name}>
          <label>
            {name}
            <input
              name={name}
              value={values[name]}
              inputMode="numeric"
              aria-invalid={errors[name] ? true : undefined}
              aria-describedby={`${id(name)}-error`}
              onInput={(e) => setValues({ ...values, [name]: e.currentTarget.value })}
            />
          </label>
          <FieldError id={`${id(name)}-error`} message={errors[name]} />
        </div>
      ))}
      <button type="submit">Save configs</button>
    </form>
  );
}
