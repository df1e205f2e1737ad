import { useMemo, useState } from 'preact/hooks';
import type { Capabilities, GenerateRequest, Plan, VidgenClient } from '../api';
import { describedBy, Field, fieldId } from '../components/Field';
import { fieldErrors, type FieldErrors } from '../errors';
import { navigate } from '../router';
import { inputsOf, move, newScene, toApiScene, type SceneDraft } from './scenes';

export interface CreateJobProps {
  api: VidgenClient;
  caps: Capabilities;
}

interface Draft {
  topic: string;
  context: string;
  quality: string;
  aspect: string;
  theme: string;
  subtitles: boolean;
  narration: boolean;
  voice: string;
  music: string;
}

/** New video: the configuration form, the scene editor, a plan preview and the submission. */
export function CreateJob({ api, caps }: CreateJobProps) {
  const allowed = caps.qualities.filter((q) => q.allowed);
  const [draft, setDraft] = useState<Draft>({
    topic: '',
    context: '',
    quality: allowed.some((q) => q.name === 'medium') ? 'medium' : (allowed[0]?.name ?? ''),
    aspect: caps.default_aspect,
    theme: caps.default_theme,
    subtitles: true,
    narration: caps.narration.enabled && caps.narration.default,
    voice: '',
    music: '',
  });
  const [scenes, setScenes] = useState<SceneDraft[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [preview, setPreview] = useState<Plan | null>(null);
  const [busy, setBusy] = useState<'plan' | 'submit' | null>(null);
  // One key per form content: resubmitting the same form after a lost answer replays instead of duplicating.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const maxScenes = caps.limits?.max_scenes ?? 1;
  const layouts = useMemo(() => new Map(caps.layouts.map((l) => [l.name, l])), [caps]);

  const fieldsOf = (layout: string) => {
    const l = layouts.get(layout);
    return l ? [...l.required, ...l.optional] : [];
  };
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setPreview(null);
    setIdempotencyKey(crypto.randomUUID());
  };
  const setScene = (i: number, change: (s: SceneDraft) => SceneDraft) => {
    setScenes((list) => list.map((s, j) => (j === i ? change(s) : s)));
    setPreview(null);
    setIdempotencyKey(crypto.randomUUID());
  };
  const reorder = (next: SceneDraft[]) => {
    setScenes(next);
    setPreview(null);
    setIdempotencyKey(crypto.randomUUID());
  };

  /** The request as typed; the API validates it (a number input's stray text goes as is, to be refused by name). */
  function body(): GenerateRequest {
    const configuration: Record<string, unknown> = { topic: draft.topic, quality: draft.quality, aspect: draft.aspect, theme: draft.theme, subtitles: draft.subtitles };
    if (draft.context.trim()) configuration.context = draft.context;
    if (caps.narration.enabled) {
      configuration.narration = draft.narration;
      if (draft.narration && draft.voice) configuration.voice = draft.voice;
    }
    if (draft.music) configuration.music = { preset: draft.music };
    const narrated = caps.narration.enabled && draft.narration;
    if (scenes.length) configuration.scenes = scenes.map((s) => toApiScene(s, narrated ? [...fieldsOf(s.layout), 'narration'] : fieldsOf(s.layout)));
    return { configuration } as unknown as GenerateRequest;
  }

  /** The fields that have an input (or a fieldset) to show an error next to. */
  const known = (path: string) => {
    if (['configuration.topic', 'configuration.context', 'configuration.quality', 'configuration.aspect', 'configuration.theme', 'configuration.voice', 'configuration.music', 'configuration.scenes'].includes(path)) return true;
    const m = /^configuration\.scenes\.(\d+)(?:\.(\w+))?$/.exec(path);
    if (!m) return false;
    const scene = scenes[Number(m[1])];
    return !!scene && (!m[2] || m[2] === 'duration_seconds' || m[2] === 'layout' || (m[2] === 'narration' && draft.narration) || fieldsOf(scene.layout).includes(m[2]));
  };

  async function run(kind: 'plan' | 'submit') {
    setBusy(kind);
    setErrors({});
    setGeneral([]);
    try {
      if (kind === 'plan') setPreview(await api.plan(body()));
      else {
        const { job_id } = await api.submit(body(), { idempotencyKey });
        navigate(`/jobs/${job_id}`);
      }
    } catch (err) {
      const { fields, general } = fieldErrors(err, known);
      setErrors(fields);
      setGeneral(general);
      // Focus the first refused input, so keyboard and screen-reader users land on it.
      const first = Object.keys(fields)[0];
      if (first) requestAnimationFrame(() => document.getElementById(fieldId(first))?.focus());
    } finally {
      setBusy(null);
    }
  }

  const text = (key: 'topic' | 'context', label: string, long = false, hint?: string) => {
    const path = `configuration.${key}`;
    const props = { id: fieldId(path), name: key, value: draft[key], onInput: (e: Event) => set(key, (e.target as HTMLInputElement).value), ...describedBy(path, errors[path], hint) };
    return <Field path={path} label={label} error={errors[path]} hint={hint}>{long ? <textarea rows={3} {...props} /> : <input type="text" {...props} />}</Field>;
  };
  const select = (key: 'quality' | 'aspect' | 'theme' | 'voice' | 'music', label: string, options: Array<{ value: string; label: string }>) => {
    const path = `configuration.${key}`;
    return (
      <Field path={path} label={label} error={errors[path]}>
        <select id={fieldId(path)} name={key} value={draft[key]} onChange={(e) => set(key, (e.target as HTMLSelectElement).value)} {...describedBy(path, errors[path])}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </Field>
    );
  };

  return (
    <form
      class="create"
      noValidate
      aria-labelledby="create-title"
      onSubmit={(e) => {
        e.preventDefault();
        void run('submit');
      }}
    >
      <h1 id="create-title">New video</h1>
      {general.length > 0 && (
        <div class="error-summary" role="alert">
          {general.map((g) => (
            <p key={g}>{g}</p>
          ))}
        </div>
      )}
      <section aria-labelledby="basics-title" class="card">
        <h2 id="basics-title">What is it about?</h2>
        {text('topic', 'Topic')}
        {text('context', 'Context', true, 'A few sentences the planner turns into scenes when you add none.')}
      </section>
      <section aria-labelledby="look-title" class="card grid">
        <h2 id="look-title">Look</h2>
        {select('quality', 'Quality', allowed.map((q) => ({ value: q.name, label: q.label })))}
        {select('aspect', 'Aspect', caps.aspects.map((a) => ({ value: a, label: a })))}
        {select('theme', 'Theme', caps.themes.map((t) => ({ value: t, label: t })))}
        <div class="field check">
          <input type="checkbox" id="f-subtitles" checked={draft.subtitles} onChange={(e) => set('subtitles', (e.target as HTMLInputElement).checked)} />
          <label for="f-subtitles">Subtitles</label>
        </div>
      </section>
      <section aria-labelledby="sound-title" class="card grid">
        <h2 id="sound-title">Sound</h2>
        {/* Narration only where the deployment's workers can speak (capabilities.narration.enabled); music everywhere. */}
        {caps.narration.enabled && (
          <div class="field check">
            <input type="checkbox" id="f-narration" checked={draft.narration} onChange={(e) => set('narration', (e.target as HTMLInputElement).checked)} />
            <label for="f-narration">Narration</label>
          </div>
        )}
        {caps.narration.enabled &&
          draft.narration &&
          select('voice', 'Voice', [{ value: '', label: `Default${caps.default_voice ? ` (${caps.default_voice})` : ''}` }, ...caps.voices.map((v) => ({ value: v.id ?? '', label: `${v.name} (${v.engine})` }))])}
        {select('music', 'Music', [{ value: '', label: 'Default' }, ...(caps.music_presets ?? []).map((m) => ({ value: m, label: m }))])}
      </section>
      <section aria-labelledby="scenes-title" class="card">
        <h2 id="scenes-title">Scenes</h2>
        <p class="hint" id="scenes-hint">
          {scenes.length ? `${scenes.length} of at most ${maxScenes} scenes.` : 'No scenes: the planner writes them from the topic and context. Add scenes to decide each one yourself.'}
        </p>
        {errors['configuration.scenes'] && (
          <p class="error" id={`${fieldId('configuration.scenes')}-error`}>
            {errors['configuration.scenes']}
          </p>
        )}
        <ol class="scenes">
          {scenes.map((scene, i) => (
            <SceneEditor
              key={scene.key}
              index={i}
              count={scenes.length}
              scene={scene}
              caps={caps}
              fields={fieldsOf(scene.layout)}
              required={layouts.get(scene.layout)?.required ?? []}
              narrated={caps.narration.enabled && draft.narration}
              errors={errors}
              onChange={(change) => setScene(i, change)}
              onMove={(by) => {
                reorder(move(scenes, i, by));
                requestAnimationFrame(() => document.getElementById(`scene-${scene.key}-${by < 0 ? 'up' : 'down'}`)?.focus());
              }}
              onRemove={() => reorder(scenes.filter((_, j) => j !== i))}
            />
          ))}
        </ol>
        <button type="button" disabled={scenes.length >= maxScenes} onClick={() => reorder([...scenes, newScene(scenes.length ? 'text' : 'title')])}>
          Add scene
        </button>
      </section>
      <div class="actions">
        <button type="button" disabled={busy !== null} onClick={() => void run('plan')}>
          {busy === 'plan' ? 'Planning…' : 'Preview plan'}
        </button>
        <button type="submit" class="primary" disabled={busy !== null}>
          {busy === 'submit' ? 'Submitting…' : 'Create video'}
        </button>
      </div>
      {preview && <PlanTable preview={preview} />}
    </form>
  );
}

interface SceneEditorProps {
  index: number;
  count: number;
  scene: SceneDraft;
  caps: Capabilities;
  fields: string[];
  required: string[];
  /** The job is narrated: the scene may say something other than its visible text. */
  narrated: boolean;
  errors: FieldErrors;
  onChange: (change: (s: SceneDraft) => SceneDraft) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}

/** One scene: its layout, length and the content fields that layout takes. */
function SceneEditor({ index, count, scene, caps, fields, required, narrated, errors, onChange, onMove, onRemove }: SceneEditorProps) {
  const base = `configuration.scenes.${index}`;
  const legend = `Scene ${index + 1}`;
  const setValue = (name: string, value: string) => onChange((s) => ({ ...s, values: { ...s.values, [name]: value } }));
  return (
    <li class="scene">
      <fieldset aria-describedby={errors[base] ? `${fieldId(base)}-error` : undefined}>
        <legend>{legend}</legend>
        {errors[base] && (
          <p class="error" id={`${fieldId(base)}-error`}>
            {errors[base]}
          </p>
        )}
        <div class="grid">
          <Field path={`${base}.layout`} label="Layout" error={errors[`${base}.layout`]}>
            <select id={fieldId(`${base}.layout`)} value={scene.layout} onChange={(e) => onChange((s) => ({ ...s, layout: (e.target as HTMLSelectElement).value }))} {...describedBy(`${base}.layout`, errors[`${base}.layout`])}>
              {caps.layouts.map((l) => (
                <option key={l.name} value={l.name}>
                  {l.name.replace('_', ' ')}
                </option>
              ))}
            </select>
          </Field>
          <Field path={`${base}.duration_seconds`} label="Seconds" error={errors[`${base}.duration_seconds`]} hint="Empty: as long as the text needs.">
            <input
              id={fieldId(`${base}.duration_seconds`)}
              type="text"
              inputMode="decimal"
              value={scene.duration}
              onInput={(e) => onChange((s) => ({ ...s, duration: (e.target as HTMLInputElement).value }))}
              {...describedBy(`${base}.duration_seconds`, errors[`${base}.duration_seconds`], 'Empty: as long as the text needs.')}
            />
          </Field>
        </div>
        {fields.map((field) => {
          const path = `${base}.${field}`;
          const inputs = inputsOf(field);
          const error = errors[path];
          const mark = required.includes(field) ? ' (required)' : '';
          return (
            <div key={field} class={inputs.length > 1 ? 'group' : ''}>
              {inputs.map((input, k) => {
                // The first input of a field carries the field's id, so an error on the field focuses it.
                const id = k === 0 ? fieldId(path) : fieldId(`${base}.${input.name}`);
                const value = scene.values[input.name] ?? '';
                const onInput = (e: Event) => setValue(input.name, (e.target as HTMLInputElement).value);
                const aria = k === 0 ? describedBy(path, error) : {};
                let control;
                if (input.kind === 'long' || input.kind === 'lines') control = <textarea id={id} rows={input.kind === 'lines' ? 3 : 2} value={value} onInput={onInput} {...aria} />;
                else if (input.name === 'chart_type')
                  control = (
                    <select id={id} value={value || 'bar'} onChange={onInput} {...aria}>
                      {(caps.chart_types ?? []).map((t) => (
                        <option key={t}>{t}</option>
                      ))}
                    </select>
                  );
                else if (input.name === 'icon') control = <input id={id} type="text" list="icon-names" value={value} onInput={onInput} {...aria} />;
                else control = <input id={id} type="text" inputMode={input.kind === 'number' ? 'decimal' : undefined} value={value} onInput={onInput} {...aria} />;
                return (
                  <div class="field" key={input.name}>
                    <label for={id}>
                      {input.label}
                      {k === 0 ? mark : ''}
                    </label>
                    {control}
                    {k === inputs.length - 1 && error && (
                      <p class="error" id={`${fieldId(path)}-error`} data-field={path}>
                        {error}
                      </p>
                    )}
                  </div>
                );
              })}
            </div>
          );
        })}
        {narrated && (
          <Field path={`${base}.narration`} label="Spoken text" error={errors[`${base}.narration`]} hint="Empty: the scene speaks its visible text.">
            <textarea
              id={fieldId(`${base}.narration`)}
              rows={2}
              value={scene.values.narration ?? ''}
              onInput={(e) => setValue('narration', (e.target as HTMLTextAreaElement).value)}
              {...describedBy(`${base}.narration`, errors[`${base}.narration`], 'Empty: the scene speaks its visible text.')}
            />
          </Field>
        )}
        {fields.includes('icon') && (
          <datalist id="icon-names">
            {caps.icons.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        )}
        <div class="actions">
          <button type="button" id={`scene-${scene.key}-up`} disabled={index === 0} aria-label={`Move up: ${legend.toLowerCase()}`} onClick={() => onMove(-1)}>
            Move up
          </button>
          <button type="button" id={`scene-${scene.key}-down`} disabled={index === count - 1} aria-label={`Move down: ${legend.toLowerCase()}`} onClick={() => onMove(1)}>
            Move down
          </button>
          <button type="button" class="danger" aria-label={`Remove: ${legend.toLowerCase()}`} onClick={onRemove}>
            Remove
          </button>
        </div>
      </fieldset>
    </li>
  );
}

/** A scene's headline text, for the preview table (the plan carries each scene's content). */
const summary = (scene: object) => {
  const content = (scene as { content?: Record<string, unknown> }).content ?? {};
  const items = Array.isArray(content.items) ? content.items.join(' · ') : undefined;
  return String(content.title ?? content.text ?? content.quote ?? items ?? content.value ?? '');
};

/** The plan the API would render: each scene's layout, start and length. */
function PlanTable({ preview }: { preview: Plan }) {
  const { plan } = preview;
  return (
    <section class="card" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan preview</h2>
      <p>
        {plan.scenes.length} scenes, {plan.total_seconds.toFixed(1)} s at {plan.width}×{plan.height}, {plan.fps} fps.
      </p>
      <table>
        <caption class="visually-hidden">Planned scenes</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Layout</th>
            <th scope="col">Starts</th>
            <th scope="col">Length</th>
            <th scope="col">Content</th>
          </tr>
        </thead>
        <tbody>
          {plan.scenes.map((s) => (
            <tr key={s.index}>
              <td>{s.index + 1}</td>
              <td>{s.layout}</td>
              <td>{s.start_seconds.toFixed(1)} s</td>
              <td>{s.duration_seconds.toFixed(1)} s</td>
              <td class="content">{summary(s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
