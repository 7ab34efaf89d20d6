import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinPolicy, builtinPolicyNames } from '../../../../lib/core/policy/index.js';

/**
 * Issue 14 item 7: every document a comment, a README line or a decision's `source` cites exists
 * in the repository, and the ones users are pointed at ship in the package. Citations name
 * repository paths (`docs/design.md rule 2`, `docs/vendor-docs/VENDORS.md §4`); a bare file name
 * of the old layout (the brief's design file, `VENDORS.md`, `breeze-errors.txt`) points nowhere.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url));
const VENDOR_DOCS = 'docs/vendor-docs';

/** Where citations are written: code, tests, scripts, policies, the README and our own docs. */
const SCANNED_DIRS = ['lib', 'policies', 'test', 'examples', 'bench', 'scripts', 'docs'];
const SCANNED_EXTENSIONS = /\.(?:ts|mjs|js|json|sh|md)$/;
/** The vendor notes are kept as the team wrote them; their own paths are relative to that folder. */
const NOT_SCANNED = [VENDOR_DOCS + '/', 'node_modules/', 'dist/'];

function scannedFiles(): string[] {
  const files = ['README.md'];
  for (const dir of SCANNED_DIRS) {
    if (!existsSync(join(ROOT, dir))) continue;
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      const path = `${dir}/${entry.split('\\').join('/')}`;
      if (
        !SCANNED_EXTENSIONS.test(path) ||
        NOT_SCANNED.some((p) => path.startsWith(p) || path.includes(`/${p}`))
      )
        continue;
      if (path === THIS_FILE || !statSync(join(ROOT, path)).isFile()) continue;
      files.push(path);
    }
  }
  return files;
}

interface Citation {
  file: string;
  line: number;
  text: string;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Every match of `pattern` (global) in the scanned files, with group 1 (or the match) as the text. */
function find(pattern: RegExp): Citation[] {
  const found: Citation[] = [];
  for (const file of scannedFiles()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(pattern)) {
      found.push({ file, line: lineOf(text, m.index), text: m[1] ?? m[0] });
    }
  }
  return found;
}

const where = (c: Citation): string => `${c.file}:${c.line}: ${c.text}`;

/** A repository path to a document: `docs/…` ending in .md or .txt, not part of a URL or a longer path. */
const DOC_PATH = /(?<![\w./-])(docs\/[\w./-]*?\.(?:md|txt))(?![\w-])/g;

const vendorDocNames = readdirSync(join(ROOT, VENDOR_DOCS)).filter((f) => /\.(?:md|txt)$/.test(f));
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('citations point at documents in the repository', () => {
  it('keeps the vendor documents in docs/vendor-docs', () => {
    expect(vendorDocNames).toEqual(
      expect.arrayContaining(['VENDORS.md', ...builtinPolicyNames().map((vendor) => `${vendor}-errors.txt`)]),
    );
    expect(existsSync(join(ROOT, 'docs/design.md'))).toBe(true);
  });

  it('every docs/… path cited in code, tests, policies, scripts and docs exists', () => {
    const citations = find(DOC_PATH);
    // The scan does find them (policies alone cite dozens).
    expect(citations.length).toBeGreaterThan(50);
    const missing = citations.filter((c) => !existsSync(join(ROOT, c.text))).map(where);
    expect(missing).toEqual([]);
  });

  it('no citation names the design document by its old, bare name', () => {
    // Built from parts so this file does not cite it.
    const bare = new RegExp(`\\b${['DESIGN', 'md'].join('\\.')}|\\b${'DESIGN'} rule`, 'g');
    expect(find(bare).map(where)).toEqual([]);
  });

  it('every vendor document is cited by its path under docs/vendor-docs', () => {
    const names = vendorDocNames.map(escaped).join('|');
    // A vendor document's name not preceded by its folder, or the folder not under docs/.
    const bare = new RegExp(`(?<![\\w/-])((?:vendor-docs/)?(?:${names}))(?![\\w-])`, 'g');
    const stale = new RegExp(`(?<!docs/)(vendor-docs/)`, 'g');
    expect([...find(bare), ...find(stale)].map(where)).toEqual([]);
  });

  it('every relative link in the README and docs/*.md resolves', () => {
    const broken: string[] = [];
    const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))];
    for (const doc of docs) {
      const file = doc === 'README.md' ? doc : `docs/${doc}`;
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        if (!existsSync(join(ROOT, dirname(file), target)))
          broken.push(`${file}:${lineOf(text, m.index)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every built-in rule's source, and the policy's docs, cite a document that exists", () => {
    const uncited: string[] = [];
    for (const vendor of builtinPolicyNames()) {
      const policy = builtinPolicy(vendor);
      const doc = policy.document;
      const sources: [string, string][] = [
        ...policy.rules.map((r): [string, string] => [r.name, r.source]),
        ...doc.docs.map((d, i): [string, string] => [`${vendor} docs[${i}]`, d]),
      ];
      if (doc.polling) sources.push([`${vendor} polling`, doc.polling.source]);
      if (doc.limits) sources.push([`${vendor} limits`, doc.limits.source]);
      if (doc.job) sources.push([`${vendor} job`, doc.job.source]);
      for (const [name, source] of sources) {
        const paths = [...source.matchAll(DOC_PATH)].map((m) => m[1] as string);
        if (paths.length === 0 || !paths.every((p) => existsSync(join(ROOT, p))))
          uncited.push(`${name}: ${source}`);
      }
    }
    expect(uncited).toEqual([]);
  });

  it('ships every cited document in the package', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    const shipped = (path: string): boolean =>
      manifest.files.some((entry) => path === entry || path.startsWith(`${entry.replace(/\/$/, '')}/`));
    const cited = new Set(find(DOC_PATH).map((c) => c.text));
    expect([...cited].filter((path) => !shipped(path))).toEqual([]);
  });
});
