/**
 * Lucide icons (lucide-static, ISC licence) drawn as vector paths in the
 * theme's accent. The icon's name is data: it is looked up in the package's
 * own name → nodes map (icon-nodes.json), never turned into a file path.
 */
type IconNode = [tag: 'path' | 'circle' | 'rect' | 'line' | 'ellipse' | 'polyline' | 'polygon', attrs: Record<string, string>];

// eslint-disable-next-line @typescript-eslint/no-require-imports
const NODES = require('lucide-static/icon-nodes.json') as Record<string, IconNode[]>;

/** Every bundled icon name (kebab-case, as lucide names them). */
export const ICON_NAMES: readonly string[] = Object.freeze(Object.keys(NODES).sort());

export function isIconName(name: string): boolean {
  return Object.hasOwn(NODES, name);
}

/** The icon's SVG elements in lucide's 24×24 viewBox, or undefined for a name not in the set. */
export function iconNodes(name: string): readonly IconNode[] | undefined {
  return Object.hasOwn(NODES, name) ? NODES[name] : undefined;
}

/** Lucide's viewBox side and stroke width. */
export const ICON_VIEWBOX = 24;
export const ICON_STROKE = 2;

export type { IconNode };
