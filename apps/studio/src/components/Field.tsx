import type { ComponentChildren } from 'preact';

/** The DOM id of a field's input, from its API path (`configuration.scenes.0.text` → `f-configuration-scenes-0-text`). */
export const fieldId = (path: string) => `f-${path.replace(/[^a-z0-9_]+/gi, '-')}`;

export interface FieldProps {
  /** The API's name for the field: its errors (details[].field) land here. */
  path: string;
  label: string;
  error?: string;
  hint?: string;
  /** The input; give it `id={fieldId(path)}` and spread `describedBy(path, error, hint)`. */
  children: ComponentChildren;
}

/** aria attributes that tie an input to its hint and its error. */
export function describedBy(path: string, error?: string, hint?: string) {
  const ids = [hint ? `${fieldId(path)}-hint` : '', error ? `${fieldId(path)}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': error ? ('true' as const) : undefined };
}

/** A labelled input with its hint and, when the API refused the value, the reason right under it. */
export function Field({ path, label, error, hint, children }: FieldProps) {
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={fieldId(path)}>{label}</label>
      {children}
      {hint && (
        <small id={`${fieldId(path)}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <p id={`${fieldId(path)}-error`} class="error" data-field={path}>
          {error}
        </p>
      )}
    </div>
  );
}
