/**
 * Lucide icons (lucide-static, ISC licence) drawn as vector paths in the
 * theme's accent. The icon's name is data: it is looked up in the package's
 * own name → nodes map (icon-nodes.json, read once by @vidgen/core), never
 * turned into a file path.
 */
import { iconNames, iconNode, isIconName } from '@vidgen/core';

type IconNode = [tag: 'path' | 'circle' | 'rect' | 'line' | 'ellipse' | 'polyline' | 'polygon', attrs: Record<string, string>];

/** Every bundled icon name (kebab-case, as lucide names them): core's list, which the schema validates against. */
export const ICON_NAMES: readonly string[] = iconNames();

export { isIconName };

/** The icon's SVG elements in lucide's 24×24 viewBox, or undefined for a name not in the set. */
export function iconNodes(name: string): readonly IconNode[] | undefined {
  return (iconNode(name) as IconNode[] | null) ?? undefined;
}

/** Lucide's viewBox side and stroke width. */
export const ICON_VIEWBOX = 24;
export const ICON_STROKE = 2;

export type { IconNode };
