import { readFileSync } from 'node:fs';

/**
 * The bundled icon set: lucide-static's icon nodes (ISC licence). Core reads
 * the names (validation, /capabilities) and @vidgen/render reads the nodes
 * (drawing) from this one module, so a name the schema accepts is always one
 * the renderer can draw.
 */

/** One SVG element of an icon on lucide's 24×24 grid: [tag, attributes]. */
export type IconNode = Array<[string, Record<string, string>]>;

export const ICON_SET = Object.freeze({
  name: 'lucide-static',
  licence: 'ISC',
  /** Where people browse the names. */
  url: 'https://lucide.dev/icons/',
});

let nodes: Readonly<Record<string, IconNode>> | null = null;
let names: readonly string[] | null = null;

// Loaded on first use (800 kB of JSON), then kept.
function iconNodes(): Readonly<Record<string, IconNode>> {
  nodes ??= Object.freeze(JSON.parse(readFileSync(require.resolve('lucide-static/icon-nodes.json'), 'utf8')) as Record<string, IconNode>);
  return nodes;
}

/** Every icon name a scene may use, sorted. */
export function iconNames(): readonly string[] {
  names ??= Object.freeze(Object.keys(iconNodes()).sort());
  return names;
}

export function isIconName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(iconNodes(), name);
}

/** The SVG elements of one icon, or null for an unknown name. */
export function iconNode(name: string): IconNode | null {
  return isIconName(name) ? iconNodes()[name]! : null;
}
