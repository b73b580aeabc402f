// The layers, as a lint rule: platform ← domains ← server/workers. platform imports no
// domain and no composition; a domain imports no composition (server/, workers/) and
// reaches another domain only through that domain's module.ts; server/ and workers/ list
// modules and never reach inside one. scripts/, test/ and web/ are not checked.
import path from 'node:path';

export const DOMAINS = [
  'accounts',
  'gis',
  'people',
  'positions',
  'video',
  'incidents',
  'gazetteer',
  'organisations',
  'recordings',
  'notifications',
  'fieldwork',
];
const COMPOSITION = ['server', 'workers', 'recorder'];

/** The top-level folder a repository-relative path is in. */
const topOf = (rel) => rel.split(/[\\/]/)[0];

/** What the import of `target` from `from` breaks, or null. Both are repository-relative. */
export function layerProblem(from, target) {
  const src = topOf(from);
  const dst = topOf(target);
  if (src === dst) return null;
  const isModule = /^[^/\\]+[/\\]module\.(js|ts)$/.test(target);
  if (src === 'platform') {
    if (DOMAINS.includes(dst) || COMPOSITION.includes(dst))
      return `platform/ is the foundation: it imports no domain or composition (${target})`;
    return null;
  }
  if (DOMAINS.includes(src)) {
    if (COMPOSITION.includes(dst)) return `a domain never imports the composition (${target}): pass what it needs in`;
    if (DOMAINS.includes(dst) && !isModule)
      return `${src}/ reaches ${dst}/ only through ${dst}/module.ts, not ${target}`;
    return null;
  }
  if (COMPOSITION.includes(src) && DOMAINS.includes(dst) && !isModule)
    return `${src}/ composes domains through their module.ts, not ${target}`;
  return null;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'platform ← domains ← server/workers; other domains only through their module.ts' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: { layer: '{{problem}}' },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const file = path.relative(root, context.filename);
    if (file.startsWith('..')) return {};
    const src = topOf(file);
    if (src !== 'platform' && !DOMAINS.includes(src) && !COMPOSITION.includes(src)) return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.relative(root, path.resolve(path.dirname(context.filename), spec));
      const problem = layerProblem(file, target);
      if (problem) context.report({ node: node.source, messageId: 'layer', data: { problem } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layers: rule } };
